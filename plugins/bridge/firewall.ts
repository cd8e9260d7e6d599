/**
 * lib/firewall, loaded on first use. It brings in node:crypto (chain names are sha512 hashes), whose
 * loading costs ~10 ms of start-up; an ADD without ipMasq or macspoofchk never needs it, and a plugin
 * pays its start-up on every container. esbuild turns a require() into a lazily initialised module.
 */
export type Firewall = typeof import('../../lib/firewall');

let loaded: Firewall | undefined;

/** The lib/firewall module. */
export function firewall(): Firewall {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('../../lib/firewall') as Firewall);
}
