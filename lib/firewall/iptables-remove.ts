/**
 * Deciding what removing some interfaces' masquerade rules deletes from a container's iptables chain.
 *
 * The chain `CNI-<hash(network + containerID)>` is the reference's, so it is shared by every interface
 * of the container on the network. Each interface's own rules say whose they are: its ACCEPTs carry
 * its source address and an `if: "<ifname>"` comment (formatAttachmentComment), and its POSTROUTING
 * jumps are the reference's, told apart by that source address. The chain's MASQUERADE is shared and
 * goes with the chain, when the last interface goes.
 *
 * Rules the reference (or an older berth) wrote carry no interface: their jumps are "unattributed"
 * (no interface's ACCEPT claims their source), and their ACCEPTs (no `-s`, no `if:`) serve only those.
 *
 * Race-freedom without a lock of our own: the batch applies as one transaction (iptables-nft) or one
 * table commit under the xtables lock (legacy), and it names exactly the rules it saw, so a concurrent
 * change makes it fail whole and the caller reads the table again:
 * - removing the chain (`-X`) fails while any jump to it exists, so an ADD of another interface that
 *   committed since our read (its jump and ACCEPTs come in one batch) keeps the chain alive;
 * - a batch that keeps the chain for another interface deletes and re-inserts one of that interface's
 *   rules: if that interface's own DEL committed since our read, the delete fails, we read again and
 *   find we are the last. Without this two concurrent DELs would each leave the chain to the other.
 */
import { lastOf, networkOf, parseCidr } from '../ip';
import { argAfter, ruleLine, type SavedRule, type SavedTable } from './iptables-save';
import { parseAttachmentComment } from './names';

/** Whose rules a removal takes. */
export interface MasqRemoval {
  /** The interfaces whose own rules go. */
  readonly ifnames: (ifname: string) => boolean;
  /**
   * The unattributed rules: `true` all of them, `false` none, or only the jumps from these sources
   * (`ip/32`, `ip/128`, as the jumps are written). `'unless-owned'` is a DEL's default when it does
   * not know its addresses: all of them, unless an interface it removes had rules of its own (then
   * the unattributed ones belong to another interface).
   */
  readonly legacy: boolean | ReadonlySet<string> | 'unless-owned';
}

/** One chain's rules sorted by owner. */
export interface MasqChainRules {
  readonly exists: boolean;
  /** Each interface's own ACCEPTs. */
  readonly owned: ReadonlyMap<string, readonly SavedRule[]>;
  /** ACCEPTs without an interface (the reference's). */
  readonly legacy: readonly SavedRule[];
  /** The rules in other chains that jump to this one. */
  readonly jumps: readonly SavedRule[];
}

const sourceOf = (r: SavedRule): string | undefined => argAfter(r.args, '-s');

/**
 * True when a jump's source covers an interface's address: the same `ip/32`, or the network form
 * (`-s 10.4.0.0/24`) that old reference versions wrote for that address.
 */
function covers(jumpSource: string | undefined, source: string | undefined): boolean {
  if (jumpSource === undefined || source === undefined) return false;
  if (jumpSource === source) return true;
  const [net, host] = [parseCidr(jumpSource), parseCidr(source)];
  if (!net || !host || net.ip.family !== host.ip.family) return false;
  return networkOf(net) <= host.ip.value && host.ip.value <= lastOf(net);
}

/** The rules of `chain` in a saved nat table, by owner. */
export function masqChainRules(saved: SavedTable, chain: string): MasqChainRules {
  const owned = new Map<string, SavedRule[]>();
  const legacy: SavedRule[] = [];
  const jumps: SavedRule[] = [];
  for (const r of saved.rules) {
    if (r.chain !== chain) {
      if (argAfter(r.args, '-j', '-g') === chain) jumps.push(r);
      continue;
    }
    if (argAfter(r.args, '-j') !== 'ACCEPT') continue;
    const ifname = parseAttachmentComment(argAfter(r.args, '--comment') ?? '');
    if (ifname !== undefined && sourceOf(r) !== undefined) owned.set(ifname, [...(owned.get(ifname) ?? []), r]);
    else legacy.push(r);
  }
  return { exists: saved.chains.has(chain), owned, legacy, jumps };
}

/** The interfaces whose addresses a jump's source covers (none: the jump is unattributed). */
function ownersOf(rules: MasqChainRules, jump: SavedRule): string[] {
  return [...rules.owned].filter(([, rs]) => rs.some((r) => covers(sourceOf(jump), sourceOf(r)))).map(([ifname]) => ifname);
}

/** True when the chain serves unattributed interfaces: a jump whose source no interface claims. */
export function hasUnattributed(rules: MasqChainRules): boolean {
  return rules.jumps.some((j) => ownersOf(rules, j).length === 0);
}

/**
 * The iptables-restore lines (no table header) that carry out `removal` on `chain`; none when it
 * removes nothing. When nothing would be left to masquerade for, the chain goes whole, with every
 * jump to it.
 */
export function masqRemovalLines(saved: SavedTable, chain: string, removal: MasqRemoval): string[] {
  const rules = masqChainRules(saved, chain);
  if (!rules.exists) return [];
  const staying = [...rules.owned].filter(([ifname]) => !removal.ifnames(ifname));
  const leaving = [...rules.owned].filter(([ifname]) => removal.ifnames(ifname));
  const legacy = removal.legacy === 'unless-owned' ? leaving.length === 0 : removal.legacy;
  const legacyGoes = (j: SavedRule): boolean => legacy === true || (legacy instanceof Set && legacy.has(sourceOf(j) ?? ''));
  const unattributed = (j: SavedRule): boolean => ownersOf(rules, j).length === 0;
  const jumpStays = (j: SavedRule): boolean => {
    const owners = ownersOf(rules, j);
    return owners.length === 0 ? !legacyGoes(j) : owners.some((i) => !removal.ifnames(i));
  };
  const jumpsStaying = rules.jumps.filter(jumpStays);

  if (staying.length === 0 && jumpsStaying.length === 0) {
    return [...rules.jumps.map((j) => `-D ${j.chain} ${j.spec}`), `-F ${chain}`, `-X ${chain}`];
  }
  const lines = [
    ...leaving.flatMap(([, rs]) => rs.map((r) => `-D ${chain} ${r.spec}`)),
    ...rules.jumps.filter((j) => !jumpStays(j)).map((j) => `-D ${j.chain} ${j.spec}`),
  ];
  const unattributedStay = jumpsStaying.some(unattributed);
  if (!unattributedStay) lines.push(...rules.legacy.map((r) => `-D ${chain} ${r.spec}`));
  if (lines.length === 0) return [];
  // The proof that what keeps the chain alive is still there when the batch applies (see above).
  // ACCEPTs precede the MASQUERADE, so the re-inserted rule goes first.
  const witness = staying[0]?.[1][0] ?? (unattributedStay ? rules.legacy[0] : undefined);
  if (witness) lines.push(`-D ${chain} ${witness.spec}`, ruleLine('-I', chain, witness.args, 1));
  return lines;
}
