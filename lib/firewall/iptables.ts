/**
 * The iptables masquerade backend, in the reference's chain (`pkg/ip/ipmasq_iptables_linux.go`): table
 * nat, one chain per (network, container ID), shared by the container's interfaces on the network:
 *
 *     -A POSTROUTING -s <ip>/32 -m comment --comment "<c>" -j CNI-<hash>
 *     -A CNI-<hash> -s <ip>/32 -d <subnet> -m comment --comment "if: \"<ifname>\" <c>" -j ACCEPT
 *     -A CNI-<hash> ! -d 224.0.0.0/4 -m comment --comment "<c>" -j MASQUERADE
 *
 * The jump and the MASQUERADE are the reference's, byte for byte, so its DEL (which deletes the jump by
 * its exact spec, then empties and deletes the chain) removes ours. The ACCEPTs are per interface
 * (the reference's have no `-s` and no `if:`), so one interface's DEL removes its own rules only and
 * the chain goes with the last one (iptables-remove.ts). Each change is one iptables-restore --noflush
 * batch per family. Teardown needs no IP: the rules are found by comment and by source, so DEL without
 * a netns or prevResult still cleans up.
 */
import { formatIP, networkOf, type Cidr, type Family } from '../ip';
import { formatAttachmentComment, formatChainName, formatComment, parseComment } from './names';
import { argAfter, parseSave, ruleLine, sameArgs, type SavedTable } from './iptables-save';
import { hasUnattributed, masqChainRules, masqRemovalLines, type MasqRemoval } from './iptables-remove';
import { FirewallError, retryRaces, runFirewall, type FirewallOptions } from './run';

const TABLE = 'nat';
const POSTROUTING = 'POSTROUTING';

/** The tools and multicast range of one address family. */
export const FAMILY = {
  4: { save: 'iptables-save', restore: 'iptables-restore', multicast: '224.0.0.0/4' },
  6: { save: 'ip6tables-save', restore: 'ip6tables-restore', multicast: 'ff00::/8' },
} as const;

/**
 * xt_comment keeps 255 bytes. iptables-nft cuts a longer comment silently and legacy iptables refuses
 * it; writing the cut form ourselves works with both and keeps written and saved rules comparable.
 */
const XT_MAX_COMMENT = 255;

/** `-w 5`: legacy iptables waits up to 5 s for the xtables lock instead of failing at once. */
export const RESTORE_ARGS = ['-w', '5', '--noflush'];

/** A chain found for a network: its name, the container it belongs to, and the family it is in. */
export interface IptablesMasqChain {
  readonly family: Family;
  readonly chain: string;
  readonly containerId: string;
  /** The interfaces with rules of their own in the chain. */
  readonly ifnames: readonly string[];
  /** True when it also serves interfaces the reference (or an older berth) added, whose names it lacks. */
  readonly unattributed: boolean;
}

/** Who one attachment's rules are for. */
export interface IptablesOwner {
  readonly network: string;
  readonly containerId: string;
  readonly ifname: string;
}

/** xt_comment's limit, applied as iptables-nft would apply it. */
export function cutComment(comment: string): string {
  const bytes = Buffer.from(comment, 'utf8');
  return bytes.length <= XT_MAX_COMMENT ? comment : bytes.subarray(0, XT_MAX_COMMENT).toString('utf8');
}

/**
 * The rules one attachment needs in one family, as argument lists (iptables-save's own order): per
 * address, an ACCEPT of its own subnet and of each `exclude` destination (the overlay's cluster CIDR)
 * from that address, then the shared MASQUERADE, then the jumps.
 */
export function masqRuleArgs(family: Family, chain: string, owner: IptablesOwner, cidrs: readonly Cidr[], exclude: readonly Cidr[] = []) {
  const shared = ['-m', 'comment', '--comment', cutComment(formatComment(owner.network, owner.containerId))];
  const own = ['-m', 'comment', '--comment', cutComment(formatAttachmentComment(owner.network, owner.containerId, owner.ifname))];
  const host = (cidr: Cidr) => `${formatIP(cidr.ip)}/${family === 4 ? 32 : 128}`;
  const accepts: string[][] = [];
  for (const cidr of cidrs) {
    for (const dst of [cidr, ...exclude.filter((x) => x.ip.family === family)]) {
      const rule = ['-s', host(cidr), '-d', `${formatIP({ family, value: networkOf(dst) })}/${dst.prefix}`, ...own, '-j', 'ACCEPT'];
      if (!accepts.some((a) => sameArgs(a, rule))) accepts.push(rule);
    }
  }
  const masquerade = ['!', '-d', FAMILY[family].multicast, ...shared, '-j', 'MASQUERADE'];
  const jumps = cidrs.map((cidr) => ['-s', host(cidr), ...shared, '-j', chain]);
  return { accepts, masquerade, jumps };
}

/**
 * The iptables-restore batch that installs an attachment's rules. With `saved` undefined it is the
 * optimistic batch for a new attachment: `-N` makes the whole batch fail if the chain exists, so it
 * can never duplicate anything. With the table as saved it adds only what is missing, and undefined
 * means nothing is. ACCEPTs added to a chain that already masquerades go first, where they take effect.
 */
export function iptablesSetupScript(
  saved: SavedTable | undefined, family: Family, owner: IptablesOwner, cidrs: readonly Cidr[], exclude: readonly Cidr[] = [],
): string | undefined {
  const chain = formatChainName(owner.network, owner.containerId);
  const { accepts, masquerade, jumps } = masqRuleArgs(family, chain, owner, cidrs, exclude);
  const has = (ch: string, args: string[]) => saved?.rules.some((r) => r.chain === ch && sameArgs(r.args, args)) ?? false;
  const lines: string[] = [];
  if (!saved?.chains.has(chain)) lines.push(`-N ${chain}`);
  const masquerading = has(chain, masquerade);
  for (const a of accepts) if (!has(chain, a)) lines.push(masquerading ? ruleLine('-I', chain, a, 1) : ruleLine('-A', chain, a));
  if (!masquerading) lines.push(ruleLine('-A', chain, masquerade));
  for (const j of jumps) if (!has(POSTROUTING, j)) lines.push(ruleLine('-A', POSTROUTING, j));
  return lines.length === 0 ? undefined : batch(lines);
}

/**
 * The batch carrying out `removal` on each chain of `chains` (see iptables-remove.ts), or undefined
 * when none of it exists.
 */
export function iptablesTeardownScript(saved: SavedTable, chains: ReadonlyMap<string, MasqRemoval>): string | undefined {
  const lines = [...chains].flatMap(([chain, removal]) => masqRemovalLines(saved, chain, removal));
  return lines.length === 0 ? undefined : batch(lines);
}

/**
 * The per-attachment chains of `network` in a saved table. The chain name is a hash, so the container
 * ID comes from the comment; a comment counts only when hashing it back gives the chain its rule is in
 * or jumps to, which leaves out portmap's `CNI-DN-`/`CNI-SN-` chains that share the comment format.
 */
export function iptablesMasqChains(saved: SavedTable, family: Family, network: string): IptablesMasqChain[] {
  const found = new Map<string, IptablesMasqChain>();
  for (const r of saved.rules) {
    const parsed = parseComment(argAfter(r.args, '--comment') ?? '');
    if (!parsed || parsed.network !== network) continue;
    const chain = formatChainName(network, parsed.containerId);
    if ((r.chain === chain || argAfter(r.args, '-j', '-g') === chain) && saved.chains.has(chain) && !found.has(chain)) {
      const rules = masqChainRules(saved, chain);
      found.set(chain, { family, chain, containerId: parsed.containerId, ifnames: [...rules.owned.keys()], unattributed: hasUnattributed(rules) || rules.owned.size === 0 });
    }
  }
  return [...found.values()];
}

/**
 * Installs the masquerade rules of one attachment for the addresses of one family (idempotent);
 * traffic to `exclude` (and to the addresses' own subnets) keeps its source address.
 */
export function setupIptablesMasq(
  family: Family, owner: IptablesOwner, cidrs: readonly Cidr[], opts: FirewallOptions = {}, exclude: readonly Cidr[] = [],
): void {
  if (cidrs.length === 0) return;
  const { restore } = FAMILY[family];
  try {
    // A new attachment, the usual case, costs one process; anything else reads the table first.
    runFirewall(restore, RESTORE_ARGS, iptablesSetupScript(undefined, family, owner, cidrs, exclude)!, opts);
  } catch (err) {
    if (err instanceof FirewallError && err.notFound) throw err;
    // A concurrent DEL may remove the chain between our read and our batch: read again then.
    retryRaces(() => {
      const script = iptablesSetupScript(save(family, opts), family, owner, cidrs, exclude);
      if (script !== undefined) runFirewall(restore, RESTORE_ARGS, script, opts);
    });
  }
}

/**
 * DEL's usual case in one process instead of two (iptables-save, then iptables-restore): the
 * attachment is the only user of its chain, so deleting its jumps, named exactly from its addresses
 * as ADD wrote them, then flushing and deleting the chain removes all of it. The batch fails whole,
 * and nothing changes, when the rules are not there as written (another backend, a DEL already done,
 * a rule edited) or when anything else still jumps to the chain (`-X` refuses a referenced chain:
 * another interface of the container, the reference's jump for another address, a concurrent ADD
 * that committed first). Returns false then, and the caller plans from iptables-save.
 * @throws {FirewallError} only when the tool itself is missing
 */
export function removeSoleIptablesMasq(family: Family, owner: IptablesOwner, cidrs: readonly Cidr[], opts: FirewallOptions = {}): boolean {
  if (cidrs.length === 0) return false;
  const chain = formatChainName(owner.network, owner.containerId);
  const { jumps } = masqRuleArgs(family, chain, owner, cidrs);
  const lines = [...jumps.map((j) => ruleLine('-D', POSTROUTING, j)), `-F ${chain}`, `-X ${chain}`];
  try {
    runFirewall(FAMILY[family].restore, RESTORE_ARGS, batch(lines), opts);
    return true;
  } catch (err) {
    if (err instanceof FirewallError && err.notFound) throw err;
    return false;
  }
}

/** Carries out the removals of `chains` in one family, in one batch. Missing is fine. */
export function removeIptablesMasq(family: Family, chains: ReadonlyMap<string, MasqRemoval>, opts: FirewallOptions = {}): void {
  if (chains.size === 0) return;
  retryRaces(() => {
    const saved = saveIfUsable(family, opts);
    const script = saved && iptablesTeardownScript(saved, chains);
    if (script !== undefined) runFirewall(FAMILY[family].restore, RESTORE_ARGS, script, opts);
  });
}

/** Lists the attachments of `network` that have masquerade chains in one family. */
export function listIptablesMasq(family: Family, network: string, opts: FirewallOptions = {}): IptablesMasqChain[] {
  const saved = saveIfUsable(family, opts);
  return saved ? iptablesMasqChains(saved, family, network) : [];
}

/** The nat table of `family` as iptables-save prints it. */
export function save(family: Family, opts: FirewallOptions): SavedTable {
  return parseSave(runFirewall(FAMILY[family].save, ['-t', TABLE], '', opts), TABLE);
}

/**
 * The nat table, or undefined when this family's iptables cannot be used at all (not installed, no
 * kernel support): there can be no rules to find then. Other failures (permissions) are errors.
 */
export function saveIfUsable(family: Family, opts: FirewallOptions): SavedTable | undefined {
  try {
    return save(family, opts);
  } catch (err) {
    if (err instanceof FirewallError && (err.notFound || /initiali[sz]e|not supported|Table does not exist/i.test(err.stderr))) return undefined;
    throw err;
  }
}

/** An iptables-restore batch of `lines` for the nat table. */
export function batch(lines: readonly string[]): string {
  return `*${TABLE}\n${lines.join('\n')}\nCOMMIT\n`;
}
