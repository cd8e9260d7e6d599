import type { NetlinkHandle } from '../handle';
import type { NlMessage } from '../nl/message';
import { attrList, attrMap, attrU16, attrU32 } from '../nl/attrs';
import { decodeMac } from '../nl/addr-bytes';
import { RTM_NEWLINK } from '../nl/constants';
import { IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO } from './constants';
import { describeRef, linkMessage, linkRequest } from './request';
import type { LinkRef, MacvlanAttrs, MacvlanMode } from './types';
import { prune } from './prune';

/** IFLA_INFO_DATA attributes of kind "macvlan" (<linux/if_link.h>). */
export const IFLA_MACVLAN_MODE = 1;
export const IFLA_MACVLAN_FLAGS = 2;
export const IFLA_MACVLAN_MACADDR_MODE = 3;
export const IFLA_MACVLAN_MACADDR = 4;
export const IFLA_MACVLAN_MACADDR_DATA = 5;
export const IFLA_MACVLAN_MACADDR_COUNT = 6;
export const IFLA_MACVLAN_BC_QUEUE_LEN = 7;

export const MACVLAN_MODE_PRIVATE = 1;
export const MACVLAN_MODE_VEPA = 2;
export const MACVLAN_MODE_BRIDGE = 4;
export const MACVLAN_MODE_PASSTHRU = 8;
export const MACVLAN_MODE_SOURCE = 16;

export const MACVLAN_MACADDR_ADD = 0;
export const MACVLAN_MACADDR_DEL = 1;
export const MACVLAN_MACADDR_FLUSH = 2;
export const MACVLAN_MACADDR_SET = 3;

export const MACVLAN_FLAG_NOPROMISC = 1;

const MODES: Readonly<Record<MacvlanMode, number>> = {
  private: MACVLAN_MODE_PRIVATE, vepa: MACVLAN_MODE_VEPA, bridge: MACVLAN_MODE_BRIDGE,
  passthru: MACVLAN_MODE_PASSTHRU, source: MACVLAN_MODE_SOURCE,
};

/** How `macvlanSetMacAddrs` changes a source-mode macvlan's MAC list (MACVLAN_MACADDR_*). */
export type MacaddrMode = 'set' | 'add' | 'del' | 'flush';
const MACADDR_MODES: Readonly<Record<MacaddrMode, number>> = {
  add: MACVLAN_MACADDR_ADD, del: MACVLAN_MACADDR_DEL, flush: MACVLAN_MACADDR_FLUSH, set: MACVLAN_MACADDR_SET,
};

/**
 * Appends the IFLA_MACVLAN_* children of IFLA_INFO_DATA. A MAC list (source mode) is sent as
 * MACVLAN_MACADDR_SET + IFLA_MACVLAN_MACADDR_DATA { IFLA_MACVLAN_MACADDR ... }: the whole list at once.
 */
export function encodeMacvlanData(m: NlMessage, v: Omit<MacvlanAttrs, 'macaddrCount'>): void {
  if (v.mode !== undefined) m.u32(IFLA_MACVLAN_MODE, MODES[v.mode]);
  if (v.nopromisc !== undefined) m.u16(IFLA_MACVLAN_FLAGS, v.nopromisc ? MACVLAN_FLAG_NOPROMISC : 0);
  if (v.macaddrs !== undefined) encodeMacaddrs(m, 'set', v.macaddrs);
  if (v.bcQueueLen !== undefined) m.u32(IFLA_MACVLAN_BC_QUEUE_LEN, v.bcQueueLen);
}

/** Appends IFLA_MACVLAN_MACADDR_MODE and the MAC(s) that mode takes. */
function encodeMacaddrs(m: NlMessage, mode: MacaddrMode, macs: readonly string[]): void {
  m.u32(IFLA_MACVLAN_MACADDR_MODE, MACADDR_MODES[mode]);
  if (mode === 'add' || mode === 'del') m.mac(IFLA_MACVLAN_MACADDR, macs[0]!);
  if (mode === 'set') m.nest(IFLA_MACVLAN_MACADDR_DATA, () => { for (const mac of macs) m.mac(IFLA_MACVLAN_MACADDR, mac); });
}

/** Decodes the IFLA_INFO_DATA payload of a macvlan. */
export function decodeMacvlanData(data: Buffer | undefined): MacvlanAttrs {
  const a = data ? attrMap(data) : new Map<number, Buffer>();
  const mode = attrU32(a.get(IFLA_MACVLAN_MODE));
  const flags = attrU16(a.get(IFLA_MACVLAN_FLAGS));
  const list = a.get(IFLA_MACVLAN_MACADDR_DATA);
  return prune({
    mode: mode === undefined ? undefined : (Object.keys(MODES) as MacvlanMode[]).find((k) => MODES[k] === mode),
    nopromisc: flags === undefined ? undefined : (flags & MACVLAN_FLAG_NOPROMISC) !== 0,
    macaddrs: list ? attrList(list).filter((x) => x.type === IFLA_MACVLAN_MACADDR).map((x) => decodeMac(x.data)) : undefined,
    macaddrCount: attrU32(a.get(IFLA_MACVLAN_MACADDR_COUNT)),
    bcQueueLen: attrU32(a.get(IFLA_MACVLAN_BC_QUEUE_LEN)),
  });
}

/** The RTM_NEWLINK (change, no NLM_F_CREATE) that edits a source-mode macvlan's MAC list. */
export function macvlanMacAddrsMessage(link: LinkRef, mode: MacaddrMode, macs: readonly string[]): NlMessage {
  const m = linkMessage(RTM_NEWLINK, link);
  return m.nest(IFLA_LINKINFO, () => {
    m.str(IFLA_INFO_KIND, 'macvlan');
    m.nest(IFLA_INFO_DATA, () => encodeMacaddrs(m, mode, macs));
  });
}

/**
 * Edits the MAC list of a source-mode macvlan: `set` replaces it (an empty list clears it), `flush`
 * clears it, `add`/`del` change one MAC per request (the kernel takes a single IFLA_MACVLAN_MACADDR for
 * these), so several MACs cost one request each and are not atomic together.
 * iproute2: `ip link set dev LINK type macvlan macaddr set|add|del|flush [MAC...]`.
 */
export async function macvlanSetMacAddrs(h: NetlinkHandle, link: LinkRef, mode: MacaddrMode, macs: readonly string[] = []): Promise<void> {
  const what = `${describeRef(link)} macaddr ${mode}`;
  if (mode === 'add' || mode === 'del') {
    for (const mac of macs) await linkRequest(h, macvlanMacAddrsMessage(link, mode, [mac]), link, `${what} ${mac}`);
    return;
  }
  await linkRequest(h, macvlanMacAddrsMessage(link, mode, macs), link, what);
}
