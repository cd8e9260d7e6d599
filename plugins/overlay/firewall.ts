/**
 * lib/firewall, loaded on first use (as the bridge plugin does): it brings in node:crypto, ~10 ms of
 * start-up that an ADD with ipMasq off never needs.
 */
export type Firewall = typeof import('../../lib/firewall');

let loaded: Firewall | undefined;

/** The lib/firewall module. */
export function firewall(): Firewall {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('../../lib/firewall') as Firewall);
}
