/**
 * The iptables backend of host ports, in the reference portmap's chains (plugins/meta/portmap), table
 * nat, so that its DEL removes what we write and ours what it wrote:
 *
 *     -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT        (and the same from OUTPUT)
 *     -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \"<net>\" id: \"<id>\"" -m multiport --dports 80,443 -j CNI-DN-<hash>
 *     -A CNI-DN-<hash> -s <subnet> -p tcp -m tcp --dport 80 -j CNI-HOSTPORT-SETMARK      (hairpin, with snat)
 *     -A CNI-DN-<hash> -s 127.0.0.1/32 -p tcp -m tcp --dport 80 -j CNI-HOSTPORT-SETMARK  (localhost, IPv4)
 *     -A CNI-DN-<hash> -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.0.0.2:8080
 *     -I POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
 *     -A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
 *     -A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
 *
 * Rules are written in the form iptables-save prints them, so that what is there can be compared with
 * what should be. One container's chain is rewritten whole by one iptables-restore batch per ADD (the
 * reference appends rule by rule, so a repeated ADD with other ports leaves the old ones); the shared
 * chains and their rules are added only when missing, and never removed (other containers use them).
 * Teardown needs nothing but the network name and container ID: the chain name is their hash.
 */
import { formatIP, networkOf, type Cidr, type Family } from '../ip';
import { formatChainName } from './names';
import { argAfter, ruleLine, sameArgs, type SavedRule, type SavedTable } from './iptables-save';
import { FAMILY, RESTORE_ARGS, batch, save, saveIfUsable } from './iptables';
import { formatHostPort, mappingsOf, specificHostIP, type HostportRequest } from './hostport';
import { retryRaces, runFirewall, type FirewallOptions } from './run';

export const HOSTPORT_DNAT_CHAIN = 'CNI-HOSTPORT-DNAT';
export const HOSTPORT_SETMARK_CHAIN = 'CNI-HOSTPORT-SETMARK';
export const HOSTPORT_MASQ_CHAIN = 'CNI-HOSTPORT-MASQ';
/** iptables' multiport match takes at most 15 ports. */
const MULTIPORT_MAX = 15;
/** xt_comment's limit; the reference cuts longer comments to 253 bytes and `...`. */
const COMMENT_MAX = 255;

/** The per-container DNAT chain: `CNI-DN-` + 21 hex digits of sha512(network + containerID). */
export const dnatChainName = (network: string, containerId: string): string => formatChainName(network, containerId, 'DN-');
/** The per-container SNAT chain of portmap before 0.8 (entered from CNI-HOSTPORT-SNAT), which DEL still removes. */
const oldSnatChainName = (network: string, containerId: string): string => formatChainName(network, containerId, 'SN-');

/** `0x2000/0x2000` for bit 13, as Go's `%#x/%#x` prints it. */
export function markSpec(bit: number): string {
  const value = `0x${(2 ** bit).toString(16)}`;
  return `${value}/${value}`;
}

/** The reference's comment on the entry rules: `dnat name: "<network>" id: "<containerID>"`, unquoted inside. */
export function dnatComment(network: string, containerId: string): string {
  const comment = `dnat name: "${network}" id: "${containerId}"`;
  const bytes = Buffer.from(comment, 'utf8');
  return bytes.length <= COMMENT_MAX ? comment : `${bytes.subarray(0, COMMENT_MAX - 2).toString('utf8')}...`;
}

const topLevelJump = (): string[] => ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', HOSTPORT_DNAT_CHAIN];
const masqJump = (): string[] => ['-m', 'comment', '--comment', 'CNI portfwd requiring masquerade', '-j', HOSTPORT_MASQ_CHAIN];
const masqRule = (bit: number): string[] => ['-m', 'mark', '--mark', markSpec(bit), '-j', 'MASQUERADE'];
const setMarkRule = (bit: number): string[] => ['-m', 'comment', '--comment', 'CNI portfwd masquerade mark', '-j', 'MARK', '--set-xmark', markSpec(bit)];

/** `a.b.c.d/n` with the host bits cleared, as iptables-save prints a source or destination. */
function net(cidr: Cidr): string {
  return `${formatIP({ family: cidr.ip.family, value: networkOf(cidr) })}/${cidr.prefix}`;
}
const host = (family: Family, ip: Parameters<typeof formatIP>[0]): string => `${formatIP(ip)}/${family === 4 ? 32 : 128}`;

/** The rules of the container's DNAT chain, three per mapping at most, in the reference's order. */
export function dnatChainRules(req: HostportRequest): string[][] {
  const family = req.container.ip.family;
  const setMark = req.setMarkChain ?? HOSTPORT_SETMARK_CHAIN;
  const rules: string[][] = [];
  for (const m of mappingsOf(family, req.mappings)) {
    const hostIP = specificHostIP(m);
    const dst = hostIP ? ['-d', host(family, hostIP)] : [];
    const port = ['-p', m.protocol, '-m', m.protocol, '--dport', String(m.hostPort)];
    if (req.snat) {
      // iptables-save leaves out a source of 0.0.0.0/0 (masqAll): it matches everything.
      rules.push([...(req.masqAll ? [] : ['-s', net(req.container)]), ...dst, ...port, '-j', setMark]);
      if (family === 4 && !req.masqAll) rules.push(['-s', '127.0.0.1/32', ...dst, ...port, '-j', setMark]);
    }
    rules.push([...dst, ...port, '-j', 'DNAT', '--to-destination', formatHostPort(req.container.ip, m.containerPort)]);
  }
  return rules;
}

/** The jumps into the container's chain: per protocol (sorted), 15 host ports per rule, then the conditions. */
export function dnatEntryRules(req: HostportRequest): string[][] {
  const chain = dnatChainName(req.network, req.containerId);
  const comment = dnatComment(req.network, req.containerId);
  // The reference groups every mapping, whatever its host IP's family, into the jumps of both families.
  const byProto = new Map<string, number[]>();
  for (const m of req.mappings) byProto.set(m.protocol, [...(byProto.get(m.protocol) ?? []), m.hostPort]);
  const rules: string[][] = [];
  for (const proto of [...byProto.keys()].sort()) {
    const ports = byProto.get(proto)!;
    for (let i = 0; i < ports.length; i += MULTIPORT_MAX) {
      const list = ports.slice(i, i + MULTIPORT_MAX).join(',');
      rules.push(['-p', proto, '-m', 'comment', '--comment', comment, '-m', 'multiport', '--dports', list, ...req.conditions, '-j', chain]);
    }
  }
  return rules;
}

/** True for a rule that sends packets to `chain` (a jump or a goto). */
const leadsTo = (r: SavedRule, chain: string): boolean => argAfter(r.args, '-j', '-g') === chain;

/**
 * The batch that makes the table hold `req`'s rules: missing shared chains and rules added, the
 * container's chain (re)written whole and its jumps replaced. Built from the table as saved, and
 * failing whole if another writer changed it since (a `-N` of a chain that now exists, a `-D` of a
 * rule now gone), so that a retry reads again.
 */
export function hostportSetupScript(saved: SavedTable, req: HostportRequest): string {
  const chain = dnatChainName(req.network, req.containerId);
  const has = (ch: string, args: readonly string[]) => saved.rules.some((r) => r.chain === ch && sameArgs(r.args, args));
  const lines: string[] = [];
  const ensureChain = (name: string) => { if (!saved.chains.has(name)) lines.push(`-N ${name}`); };
  if (req.snat && req.setMarkChain === undefined) {
    ensureChain(HOSTPORT_SETMARK_CHAIN);
    if (!has(HOSTPORT_SETMARK_CHAIN, setMarkRule(req.markBit))) lines.push(ruleLine('-A', HOSTPORT_SETMARK_CHAIN, setMarkRule(req.markBit)));
    ensureChain(HOSTPORT_MASQ_CHAIN);
    if (!has(HOSTPORT_MASQ_CHAIN, masqRule(req.markBit))) lines.push(ruleLine('-A', HOSTPORT_MASQ_CHAIN, masqRule(req.markBit)));
    // First in POSTROUTING, as the reference inserts it: before any other chain's MASQUERADE or RETURN.
    if (!has('POSTROUTING', masqJump())) lines.push(ruleLine('-I', 'POSTROUTING', masqJump(), 1));
  }
  ensureChain(HOSTPORT_DNAT_CHAIN);
  for (const entry of ['PREROUTING', 'OUTPUT']) if (!has(entry, topLevelJump())) lines.push(ruleLine('-A', entry, topLevelJump()));
  if (saved.chains.has(chain)) lines.push(`-F ${chain}`);
  else lines.push(`-N ${chain}`);
  for (const r of saved.rules) if (leadsTo(r, chain)) lines.push(`-D ${r.chain} ${r.spec}`);
  for (const rule of dnatChainRules(req)) lines.push(ruleLine('-A', chain, rule));
  for (const rule of dnatEntryRules(req)) lines.push(ruleLine('-A', HOSTPORT_DNAT_CHAIN, rule));
  return batch(lines);
}

/**
 * The batch that removes a container's chains (this one and the pre-0.8 `CNI-SN-` one) and every
 * rule leading to them, or undefined when there are none.
 */
export function hostportTeardownScript(saved: SavedTable, network: string, containerId: string): string | undefined {
  const lines: string[] = [];
  for (const chain of [dnatChainName(network, containerId), oldSnatChainName(network, containerId)]) {
    for (const r of saved.rules) if (leadsTo(r, chain)) lines.push(`-D ${r.chain} ${r.spec}`);
    if (saved.chains.has(chain)) lines.push(`-F ${chain}`, `-X ${chain}`);
  }
  return lines.length === 0 ? undefined : batch(lines);
}

/** What `req` needs that the table lacks, as readable sentences; empty when all is there. */
export function hostportMissing(saved: SavedTable, req: HostportRequest): string[] {
  const chain = dnatChainName(req.network, req.containerId);
  if (!saved.chains.has(chain)) return [`chain ${chain} not found in iptables table nat`];
  const has = (ch: string, args: readonly string[]) => saved.rules.some((r) => r.chain === ch && sameArgs(r.args, args));
  const missing: string[] = [];
  for (const rule of dnatChainRules(req)) if (!has(chain, rule)) missing.push(`rule "${rule.join(' ')}" not found in chain ${chain}`);
  // An entry rule is known by what identifies it (protocol, ports, comment, target): iptables-save
  // prints the configured conditions in its own order and spelling (`-s 1.2.3.4` first, as 1.2.3.4/32).
  const key = (args: readonly string[]) => ['-p', '--dports', '--comment', '-j'].map((f) => argAfter(args, f)).join('\0');
  for (const rule of dnatEntryRules(req)) {
    const want = key(rule);
    if (!saved.rules.some((r) => r.chain === HOSTPORT_DNAT_CHAIN && key(r.args) === want)) missing.push(`rule "${rule.join(' ')}" not found in chain ${HOSTPORT_DNAT_CHAIN}`);
  }
  for (const entry of ['PREROUTING', 'OUTPUT']) if (!has(entry, topLevelJump())) missing.push(`the jump from ${entry} to ${HOSTPORT_DNAT_CHAIN} is missing`);
  return missing;
}

/** The container IDs of `network` with a DNAT chain, found by the entry rules' comments. */
export function hostportContainers(saved: SavedTable, network: string): string[] {
  const ids = new Set<string>();
  for (const r of saved.rules) {
    if (r.chain !== HOSTPORT_DNAT_CHAIN) continue;
    const m = /^dnat name: "(.*)" id: "(.*)"$/.exec(argAfter(r.args, '--comment') ?? '');
    // The comment is not quoted inside; the chain the rule jumps to settles where the name ends.
    if (m && m[1] === network && leadsTo(r, dnatChainName(network, m[2]!))) ids.add(m[2]!);
  }
  return [...ids];
}

/** Installs `req`'s rules in its family (idempotent; a repeated ADD replaces the container's ports). */
export function setupIptablesHostports(req: HostportRequest, opts: FirewallOptions = {}): void {
  const family = req.container.ip.family;
  retryRaces(() => runFirewall(FAMILY[family].restore, RESTORE_ARGS, hostportSetupScript(save(family, opts), req), opts));
}

/** Removes a container's host port rules in both families; an unusable iptables has none to remove. */
export function teardownIptablesHostports(network: string, containerId: string, opts: FirewallOptions = {}): void {
  for (const family of [4, 6] as const) {
    retryRaces(() => {
      const saved = saveIfUsable(family, opts);
      const script = saved && hostportTeardownScript(saved, network, containerId);
      if (script !== undefined) runFirewall(FAMILY[family].restore, RESTORE_ARGS, script, opts);
    });
  }
}

/** What is missing of `req`'s rules (see hostportMissing). */
export function checkIptablesHostports(req: HostportRequest, opts: FirewallOptions = {}): string[] {
  return hostportMissing(save(req.container.ip.family, opts), req);
}

/** The containers of `network` with host port rules in either family. */
export function listIptablesHostports(network: string, opts: FirewallOptions = {}): string[] {
  const ids = new Set<string>();
  for (const family of [4, 6] as const) {
    const saved = saveIfUsable(family, opts);
    if (saved) for (const id of hostportContainers(saved, network)) ids.add(id);
  }
  return [...ids];
}
