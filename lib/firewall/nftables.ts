/**
 * The nftables masquerade backend, shaped like the reference's (`pkg/ip/ipmasq_nftables_linux.go`,
 * written through knftables): table `inet cni_plugins_masquerade`, a `postrouting` nat chain that skips
 * multicast and jumps to `masq_checks`, and there one rule per container address whose comment starts
 * with the attachment's hash. Rules are found by that comment, never by address, so teardown and GC
 * need nothing but (network, ifname, container ID).
 *
 * The kernel is spoken to over nf_tables netlink (lib/netlink/nftables), with the expressions nft itself
 * compiles the same rules to, so `nft list` prints the same text whoever wrote them. Only a rule whose
 * destination needs an anonymous set (`daddr != { a, b }`: an overlay's `exclude` beside the address's
 * own subnet) still goes through `nft -f`, which knows how to build one.
 */
import { formatIP, lastOf, networkOf, type Cidr } from '../ip';
import { NF_INET_POST_ROUTING, addrMatch, nfprotoIs, type NftExpr, type NftOp } from '../netlink';
import { nftComment, nftInstanceHash, nftNetworkHash, parseNftComment } from './names';
import { nftApplyInet, nftNetlinkUsable, nftRulesOf, nftTableOf, withNft } from './nft-netlink';
import { retryRaces, runFirewall, type FirewallOptions } from './run';

export const NFT_MASQ_TABLE = 'cni_plugins_masquerade';
export const NFT_MASQ_CHAIN = 'masq_checks';
const T = `inet ${NFT_MASQ_TABLE}`;
const TABLE_COMMENT = 'Masquerading for plugins from github.com/containernetworking/plugins';
const CHAIN_COMMENT = 'Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet';

/** The rules of `postrouting`, as the reference writes them on every setup. */
const POSTROUTING_RULES = [
  `add rule ${T} postrouting ip daddr == 224.0.0.0/4  return`,
  `add rule ${T} postrouting ip6 daddr == ff00::/8  return`,
  `add rule ${T} postrouting goto ${NFT_MASQ_CHAIN}`,
];

/** The same three rules as netlink ops: `nft --debug=netlink` shows nft compiling them to these expressions. */
export function postroutingRuleOps(): NftOp[] {
  const ret = (family: 4 | 6, cidr: string): NftExpr[] => [...nfprotoIs(family), ...addrMatch('daddr', cidr), { kind: 'immediate', verdict: { code: 'return' } }];
  return [
    { op: 'addRule', table: NFT_MASQ_TABLE, chain: 'postrouting', exprs: ret(4, '224.0.0.0/4') },
    { op: 'addRule', table: NFT_MASQ_TABLE, chain: 'postrouting', exprs: ret(6, 'ff00::/8') },
    { op: 'addRule', table: NFT_MASQ_TABLE, chain: 'postrouting', exprs: [{ kind: 'immediate', verdict: { code: 'goto', chain: NFT_MASQ_CHAIN } }] },
  ];
}

/** A rule as `nft -j list` reports it: enough to delete it (handle) and to know whose it is (comment). */
export interface NftRule {
  readonly chain: string;
  readonly handle: number;
  readonly comment?: string;
  /** The rule's expressions, as nft's JSON schema spells them. */
  readonly expr?: unknown[];
}

/** A masquerade attachment found in `masq_checks`: its comment's hash and what the comment says. */
export interface NftMasqEntry {
  /** `<hash16(network)>-<hash16(ifname:containerID)>`: the part of the comment lookups use. */
  readonly key: string;
  readonly ifname: string;
  /** From the comment; it may be cut short (`truncated`) when the names were long. */
  readonly containerId: string;
  readonly truncated: boolean;
  readonly handles: readonly number[];
}

/**
 * The `nft -f -` transaction that installs one attachment: it declares the table and chains (`add` is
 * create-if-missing), rewrites `postrouting` as the reference does on every setup, deletes the
 * attachment's `stale` rules (a repeated ADD) and adds one rule per address. One transaction, so other
 * traffic never sees a half-written chain. Traffic to `exclude` (the overlay's cluster CIDR) is left
 * unmasqueraded like traffic to the address's own subnet.
 */
export function nftSetupScript(
  network: string, ifname: string, containerId: string, cidrs: readonly Cidr[], stale: readonly number[] = [], exclude: readonly Cidr[] = [],
): string {
  const comment = nftComment(network, ifname, containerId);
  const lines = [
    `add table ${T} { comment "${TABLE_COMMENT}" ; }`,
    `add chain ${T} ${NFT_MASQ_CHAIN} { comment "${CHAIN_COMMENT}" ; }`,
    // knftables writes the named priority `srcnat` as its number for the inet family.
    `add chain ${T} postrouting { type nat hook postrouting priority 100 ; }`,
    `flush chain ${T} postrouting`,
    ...POSTROUTING_RULES,
    ...stale.map((h) => `delete rule ${T} ${NFT_MASQ_CHAIN} handle ${h}`),
  ];
  for (const cidr of cidrs) {
    const ip = cidr.ip.family === 4 ? 'ip' : 'ip6';
    const kept = outermost([cidr, ...exclude.filter((x) => x.ip.family === cidr.ip.family)]).map((c) => `${formatIP({ family: c.ip.family, value: networkOf(c) })}/${c.prefix}`);
    const daddr = kept.length === 1 ? kept[0]! : `{ ${kept.join(', ')} }`;
    lines.push(`add rule ${T} ${NFT_MASQ_CHAIN} ${ip} saddr == ${formatIP(cidr.ip)} ${ip} daddr != ${daddr} masquerade comment "${comment}"`);
  }
  return lines.join('\n') + '\n';
}

/**
 * nftSetupScript's transaction as netlink ops, op for op; undefined when a rule would need an anonymous
 * set (more than one destination left unmasqueraded), which only the nft path builds.
 */
export function nftSetupOps(
  network: string, ifname: string, containerId: string, cidrs: readonly Cidr[], stale: readonly number[] = [], exclude: readonly Cidr[] = [],
): NftOp[] | undefined {
  const comment = nftComment(network, ifname, containerId);
  const table = NFT_MASQ_TABLE;
  const ops: NftOp[] = [
    { op: 'addTable', table, comment: TABLE_COMMENT },
    { op: 'addChain', table, chain: NFT_MASQ_CHAIN, comment: CHAIN_COMMENT },
    { op: 'addChain', table, chain: 'postrouting', hook: { type: 'nat', hooknum: NF_INET_POST_ROUTING, priority: 100 } },
    { op: 'flushChain', table, chain: 'postrouting' },
    ...postroutingRuleOps(),
    ...stale.map((handle): NftOp => ({ op: 'deleteRule', table, chain: NFT_MASQ_CHAIN, handle })),
  ];
  for (const cidr of cidrs) {
    const kept = outermost([cidr, ...exclude.filter((x) => x.ip.family === cidr.ip.family)]);
    if (kept.length !== 1) return undefined;
    const daddr = `${formatIP({ family: cidr.ip.family, value: networkOf(kept[0]!) })}/${kept[0]!.prefix}`;
    const exprs: NftExpr[] = [...nfprotoIs(cidr.ip.family), ...addrMatch('saddr', formatIP(cidr.ip)), ...addrMatch('daddr', daddr, true), { kind: 'masq' }];
    ops.push({ op: 'addRule', table, chain: NFT_MASQ_CHAIN, exprs, comment });
  }
  return ops;
}

/**
 * The networks of `cidrs` not inside another one of them, in order and without duplicates: nft
 * refuses an anonymous set whose intervals overlap, and CIDRs either nest or are disjoint.
 */
function outermost(cidrs: readonly Cidr[]): Cidr[] {
  const out: Cidr[] = [];
  cidrs.forEach((c, i) => {
    const [first, last] = [networkOf(c), lastOf(c)];
    const covered = cidrs.some((o, j) => {
      const [of, ol] = [networkOf(o), lastOf(o)];
      return j !== i && of <= first && last <= ol && (of < first || last < ol || j < i);
    });
    if (!covered) out.push(c);
  });
  return out;
}

/**
 * The transaction (netlink ops) that removes the `masq_checks` rules `pick` selects from a listing of
 * the table, or undefined when there is nothing to do.
 *
 * When no other attachment's rule would be left, it removes the whole table too: ADD created it, and
 * nothing of an ADD may outlive its DEL (the reference leaves the table and both chains behind
 * forever). That decision is made on a listing, so the transaction carries its own proof that the
 * listing is still true when the kernel applies it: it deletes every `postrouting` rule it saw by
 * handle, and nft never reuses a handle. Every ADD (ours and the reference's) flushes and rewrites
 * `postrouting` in the transaction that adds its rule, and so does every removal that keeps the
 * table (deleting the rules it saw, then writing them afresh): `postrouting`'s handles are a version
 * of the table. A concurrent ADD, or a concurrent DEL that left the table to us, thus makes our
 * transaction fail whole, and the caller lists again (without this, two DELs of the last two
 * attachments could each see the other's rule and leave an empty table). A table holding anything
 * else (a set, another chain) is someone else's too and stays.
 */
export function nftRemoveOps(table: NftTable, pick: (r: NftRule) => boolean): NftOp[] | undefined {
  const T = NFT_MASQ_TABLE;
  const checks = table.rules.filter((r) => r.chain === NFT_MASQ_CHAIN);
  const doomed = checks.filter(pick).map((handle): NftOp => ({ op: 'deleteRule', table: T, chain: NFT_MASQ_CHAIN, handle: handle.handle }));
  const witnesses = table.rules.filter((r) => r.chain === 'postrouting').map((r): NftOp => ({ op: 'deleteRule', table: T, chain: 'postrouting', handle: r.handle }));
  const onlyOurs = table.others === 0 && [...table.chains].every((c) => c === NFT_MASQ_CHAIN || c === 'postrouting');
  const ops = [...doomed];
  if (checks.length === doomed.length && onlyOurs && witnesses.length > 0) ops.push(...witnesses, { op: 'deleteTable', table: T });
  else if (ops.length > 0 && witnesses.length > 0) ops.push(...witnesses, ...postroutingRuleOps());
  return ops.length === 0 ? undefined : ops;
}

/** The masquerade table as listed: its chains, its rules, and how many other objects (sets, ...) it holds. */
export interface NftTable {
  readonly chains: ReadonlySet<string>;
  readonly rules: readonly NftRule[];
  readonly others: number;
}

/** The rules in the output of `nft -j list ...`. */
export function parseNftRules(json: string): NftRule[] {
  const doc = JSON.parse(json) as { nftables?: Array<{ rule?: { chain: string; handle: number; comment?: string; expr?: unknown[] } }> };
  const rules: NftRule[] = [];
  for (const item of doc.nftables ?? []) {
    const r = item.rule;
    if (r) rules.push({ chain: r.chain, handle: r.handle, ...(r.comment === undefined ? {} : { comment: r.comment }), ...(r.expr ? { expr: r.expr } : {}) });
  }
  return rules;
}

/** Groups the rules of `network` by attachment, from their comments. */
export function nftMasqEntries(rules: readonly NftRule[], network: string): NftMasqEntry[] {
  const prefix = `${nftNetworkHash(network)}-`;
  const byKey = new Map<string, NftMasqEntry & { handles: number[] }>();
  for (const r of rules) {
    if (!r.comment?.startsWith(prefix)) continue;
    const parsed = parseNftComment(r.comment);
    if (!parsed) continue;
    const entry = byKey.get(parsed.key) ?? { ...parsed, handles: [] };
    entry.handles.push(r.handle);
    byKey.set(parsed.key, entry);
  }
  return [...byKey.values()];
}

/** Installs one attachment's masquerade rules (idempotent: its earlier rules are replaced); see nftSetupScript. */
export function setupNftMasq(
  network: string, ifname: string, containerId: string, cidrs: readonly Cidr[], opts: FirewallOptions = {}, exclude: readonly Cidr[] = [],
): void {
  const key = nftInstanceHash(network, ifname, containerId);
  retryRaces(() => {
    // One socket for the listing and the batch: each socket's release costs the kernel milliseconds.
    const viaNft = withNft(opts, (h) => {
      const stale = masqChecks(nftRulesOf(h, NFT_MASQ_TABLE)).filter((r) => r.comment?.startsWith(key)).map((r) => r.handle);
      const ops = nftSetupOps(network, ifname, containerId, cidrs, stale, exclude);
      if (ops === undefined) return stale;
      nftApplyInet(h, ops);
      return undefined;
    });
    if (viaNft !== undefined) runFirewall('nft', ['-f', '-'], nftSetupScript(network, ifname, containerId, cidrs, viaNft, exclude), opts);
  });
}

/** Removes one attachment's masquerade rules, found by comment. Missing (or no table) is success. */
export function teardownNftMasq(network: string, ifname: string, containerId: string, opts: FirewallOptions = {}): void {
  const key = nftInstanceHash(network, ifname, containerId);
  removeNftMasq((r) => r.comment?.startsWith(key) ?? false, opts);
}

/**
 * Removes the `masq_checks` rules `pick` selects, and the table once they were the last, in one
 * transaction (see nftRemoveOps); a transaction that a concurrent change made fail is recomputed.
 */
export function removeNftMasq(pick: (r: NftRule) => boolean, opts: FirewallOptions = {}): void {
  retryRaces(() => withNft(opts, (h) => {
    const table = nftTableOf(h, NFT_MASQ_TABLE);
    const ops = table && nftRemoveOps(table, pick);
    if (ops !== undefined) nftApplyInet(h, ops);
  }));
}

/** The attachments of `network` that have nftables masquerade rules. */
export function listNftMasq(network: string, opts: FirewallOptions = {}): NftMasqEntry[] {
  return nftMasqEntries(listMasqRules(opts), network);
}

/** The rules of `masq_checks`; none when the table or chain does not exist yet. */
export function listMasqRules(opts: FirewallOptions = {}): NftRule[] {
  return masqChecks(withNft(opts, (h) => nftRulesOf(h, NFT_MASQ_TABLE)));
}

const masqChecks = <R extends { chain: string }>(rules: readonly R[]): R[] => rules.filter((r) => r.chain === NFT_MASQ_CHAIN);

/**
 * True when nftables can be used here: the kernel answers nf_tables netlink with our privileges (what
 * knftables.New, the reference's probe, checks with `nft --check`), without a process.
 */
export function nftUsable(opts: FirewallOptions = {}): boolean {
  return nftNetlinkUsable(opts);
}
