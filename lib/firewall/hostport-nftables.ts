/**
 * The nftables backend of host ports, in the reference portmap's table (`ip cni_hostport` and
 * `ip6 cni_hostport`, plugins/meta/portmap/portmap_nftables.go), so that either plugin's DEL removes
 * the other's rules:
 *
 *     chain prerouting { type nat hook prerouting priority dstnat; <conditions> fib daddr type local jump hostports_all }
 *     chain output     { type nat hook output priority dstnat;     <conditions> fib daddr type local jump hostports_all }
 *     chain hostports_all { jump hostip_hostports; jump hostports }
 *     chain hostports  { [ip daddr <hostIP>] tcp dport 80 dnat to 10.0.0.2:8080 comment "<containerID>" }
 *     chain masquerading { type nat hook postrouting priority srcnat;
 *                          ip saddr 10.0.0.2 ip daddr 10.0.0.2 masquerade comment "<containerID>"      (hairpin)
 *                          ip saddr 127.0.0.1 ip daddr 10.0.0.2 masquerade comment "<containerID>" }  (localhost)
 *
 * A container's rules carry its ID as their comment, which is all DEL needs. One `nft -f` transaction
 * per change: a repeated ADD deletes the container's earlier rules in the transaction that adds the
 * new ones (the reference adds duplicates).
 */
import { formatIP, type Family } from '../ip';
import { formatHostPort, mappingsOf, specificHostIP, type HostportRequest } from './hostport';
import { parseNftRules, type NftRule } from './nftables';
import { FirewallError, isNoSuchObject, retryRaces, runFirewall, type FirewallOptions } from './run';

export const NFT_HOSTPORT_TABLE = 'cni_hostport';
const HOSTPORTS = 'hostports';
const HOSTIP_HOSTPORTS = 'hostip_hostports';
const HOSTPORTS_ALL = 'hostports_all';
const MASQUERADING = 'masquerading';
/** The chains whose rules belong to containers (by comment). */
const CONTAINER_CHAINS: ReadonlySet<string> = new Set([HOSTPORTS, HOSTIP_HOSTPORTS, MASQUERADING]);
/** knftables writes the named priorities dstnat and srcnat as their numbers. */
const DSTNAT = -100;
const SRCNAT = 100;

const nftFamily = (family: Family): 'ip' | 'ip6' => (family === 4 ? 'ip' : 'ip6');
const tableRef = (family: Family): string => `${nftFamily(family)} ${NFT_HOSTPORT_TABLE}`;

/** The transaction that installs `req`'s rules, deleting the container's `stale` rules (by handle) first. */
export function nftHostportScript(req: HostportRequest, stale: readonly NftRule[]): string {
  const family = req.container.ip.family;
  const t = tableRef(family);
  const ip = nftFamily(family);
  const comment = `comment "${req.containerId}"`;
  const cond = req.conditions.length > 0 ? `${req.conditions.join(' ')} ` : '';
  const lines = [
    `add table ${t} { comment "CNI portmap plugin" ; }`,
    `add chain ${t} ${HOSTPORTS}`,
    `add chain ${t} ${HOSTIP_HOSTPORTS}`,
    `add chain ${t} ${HOSTPORTS_ALL}`,
    `flush chain ${t} ${HOSTPORTS_ALL}`,
    `add rule ${t} ${HOSTPORTS_ALL} jump ${HOSTIP_HOSTPORTS}`,
    `add rule ${t} ${HOSTPORTS_ALL} jump ${HOSTPORTS}`,
    `add chain ${t} prerouting { type nat hook prerouting priority ${DSTNAT} ; }`,
    `flush chain ${t} prerouting`,
    `add rule ${t} prerouting ${cond}fib daddr type local jump ${HOSTPORTS_ALL}`,
    `add chain ${t} output { type nat hook output priority ${DSTNAT} ; }`,
    `flush chain ${t} output`,
    `add rule ${t} output ${cond}fib daddr type local jump ${HOSTPORTS_ALL}`,
    ...stale.map((r) => `delete rule ${t} ${r.chain} handle ${r.handle}`),
  ];
  for (const m of mappingsOf(family, req.mappings)) {
    const hostIP = specificHostIP(m);
    const daddr = hostIP ? `${ip} daddr ${formatIP(hostIP)} ` : '';
    lines.push(`add rule ${t} ${HOSTPORTS} ${daddr}${m.protocol} dport ${m.hostPort} dnat to ${formatHostPort(req.container.ip, m.containerPort)} ${comment}`);
  }
  if (req.snat) {
    const self = formatIP(req.container.ip);
    lines.push(`add chain ${t} ${MASQUERADING} { type nat hook postrouting priority ${SRCNAT} ; }`);
    const from = req.masqAll ? (family === 4 ? '0.0.0.0/0' : '::/0') : self;
    lines.push(`add rule ${t} ${MASQUERADING} ${ip} saddr ${from} ${ip} daddr ${self} masquerade ${comment}`);
    if (family === 4 && !req.masqAll) lines.push(`add rule ${t} ${MASQUERADING} ip saddr 127.0.0.1 ip daddr ${self} masquerade ${comment}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The rules of `family`'s table that belong to `containerId`; none when there is no table. */
export function nftHostportRules(family: Family, containerId: string, opts: FirewallOptions = {}): NftRule[] {
  let json: string;
  try {
    json = runFirewall('nft', ['-j', 'list', 'table', nftFamily(family), NFT_HOSTPORT_TABLE], '', opts);
  } catch (err) {
    // No table yet, or no nft on this host: either way the container has no rules there.
    if (isNoSuchObject(err) || (err instanceof FirewallError && err.notFound)) return [];
    throw err;
  }
  return parseNftRules(json).filter((r) => CONTAINER_CHAINS.has(r.chain) && r.comment === containerId);
}

/** Installs `req`'s rules (idempotent: the container's earlier rules in this family are replaced). */
export function setupNftHostports(req: HostportRequest, opts: FirewallOptions = {}): void {
  const family = req.container.ip.family;
  retryRaces(() => runFirewall('nft', ['-f', '-'], nftHostportScript(req, nftHostportRules(family, req.containerId, opts)), opts));
}

/** Removes a container's rules in both families. No table, or no nft at all, is nothing to remove. */
export function teardownNftHostports(containerId: string, opts: FirewallOptions = {}): void {
  for (const family of [4, 6] as const) {
    retryRaces(() => {
      const doomed = nftHostportRules(family, containerId, opts);
      if (doomed.length === 0) return;
      runFirewall('nft', ['-f', '-'], `${doomed.map((r) => `delete rule ${tableRef(family)} ${r.chain} handle ${r.handle}`).join('\n')}\n`, opts);
    });
  }
}

/** What is missing of `req`'s rules: as the reference checks, the number of the container's rules per chain. */
export function checkNftHostports(req: HostportRequest, opts: FirewallOptions = {}): string[] {
  const family = req.container.ip.family;
  const rules = nftHostportRules(family, req.containerId, opts);
  const count = (chain: string) => rules.filter((r) => r.chain === chain).length;
  const missing: string[] = [];
  const ports = mappingsOf(family, req.mappings).length;
  if (count(HOSTPORTS) < ports) missing.push(`missing hostport rules in "${HOSTPORTS}" chain of table ${tableRef(family)}`);
  const masq = req.snat ? (family === 4 && !req.masqAll ? 2 : 1) : 0;
  if (count(MASQUERADING) < masq) missing.push(`missing hostport rules in "${MASQUERADING}" chain of table ${tableRef(family)}`);
  return missing;
}
