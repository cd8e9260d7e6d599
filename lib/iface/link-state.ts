/** Waiting, event-driven, until a bridge port carries traffic. */
import { RTM_DELLINK, RTM_NEWLINK, linkByIndex, type Link, type NetlinkHandle } from '../netlink';
import type { Netns } from '../netns';
import { NetlinkWatch, RTMGRP_LINK, eventIndex } from './netlink-watch';

/** BR_STATE_DISABLED: the bridge has not yet seen the port's carrier. */
const BR_STATE_DISABLED = 0;

/** The reference waits 0+50+500+1000+1000 ms before it calls a port broken. */
export const PORT_UP_TIMEOUT_MS = 2550;

/** A bridge port did not come up in time: its last operational state is in the message. */
export class PortDownError extends Error {
  readonly link: Link;
  constructor(link: Link) {
    super(`bridge port in error state: ${link.operState}`);
    this.name = 'PortDownError';
    this.link = link;
  }
}

/**
 * True once `link` is operationally up and its bridge has taken it out of the disabled state. A veth's
 * carrier follows its peer at once, but the operational state and the bridge port state change later,
 * in the kernel's linkwatch work: a result returned before that would name a port that still drops
 * frames. A port of an STP bridge counts as ready once it is listening, as in the reference.
 */
export function portReady(link: Link): boolean {
  return link.operState === 'up' && (link.bridgePort?.state ?? BR_STATE_DISABLED + 1) !== BR_STATE_DISABLED;
}

/**
 * Waits until the link `index` (in `h`'s netns, which is `ns`) is ready as portReady says, woken by
 * its RTM_NEWLINK events rather than by sleeps; returns it as last read.
 * @throws {PortDownError} not ready after `timeoutMs`
 * @throws {LinkNotFoundError} the link disappeared
 */
export async function waitPortReady(h: NetlinkHandle, ns: Netns | undefined, index: number, timeoutMs = PORT_UP_TIMEOUT_MS): Promise<Link> {
  let link = await linkByIndex(h, index);
  if (portReady(link)) return link;
  const watch = NetlinkWatch.open(RTMGRP_LINK, ns);
  try {
    const ready = await watch.until(
      async () => portReady((link = await linkByIndex(h, index))),
      { timeoutMs, relevant: (m) => (m.type === RTM_NEWLINK || m.type === RTM_DELLINK) && eventIndex(m) === index },
    );
    if (!ready) throw new PortDownError(link);
    return link;
  } finally {
    watch.close();
  }
}
