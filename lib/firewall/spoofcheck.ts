/**
 * The bridge's `macspoofchk`: nftables bridge-family rules that drop frames from a container's host
 * veth unless they carry the container's MAC, shaped as the reference writes them
 * (`pkg/link/spoofcheck.go`): table `bridge nat`, base chain `PREROUTING` (filter, prerouting,
 * priority -300, policy accept), per attachment the chains `cni-br-iface-<cid>-<ifname>` and
 * `...-mac`, and every rule commented `macspoofchk-<cid>-<ifname>`.
 *
 * The transactions go in nft's JSON syntax, as the reference's go-nft does: chain names built from a
 * container ID and an interface name may hold characters the text syntax cannot take, and nft 1.0.6
 * does not accept quoted chain names. They go through a private temporary file, not stdin: in JSON mode
 * nft reopens `-f -` as /dev/stdin, which fails (ENXIO) on the socket Node gives a child as its stdin,
 * and an argument is capped at 128 KiB, which a GC of many attachments can exceed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spoofCheckRefId } from './names';
import { isNoSuchObject, retryOnce, runFirewall, FirewallError, type FirewallOptions } from './run';

const FAMILY = 'bridge';
const TABLE = 'nat';
const BASE_CHAIN = 'PREROUTING';
const COMMENT_PREFIX = 'macspoofchk-';

/** One attachment's spoof check: who it is for, the host-side port and the only MAC let through. */
export interface SpoofCheck {
  readonly containerId: string;
  readonly ifname: string;
  /** The host veth (bridge port) whose frames are checked. */
  readonly hostIfname: string;
  readonly mac: string;
}

/** A spoof check found in the kernel, for GC: its `<cid>-<ifname>` ID and the host port it guards. */
export interface SpoofCheckEntry {
  readonly refId: string;
  readonly hostIfname?: string;
}

type Cmd = Record<string, Record<string, Record<string, unknown>>>;

/** `cni-br-iface-<refId>` and `cni-br-iface-<refId>-mac`. */
export function spoofCheckChains(refId: string): { iface: string; mac: string } {
  const iface = `cni-br-iface-${refId}`;
  return { iface, mac: `${iface}-mac` };
}

/**
 * The JSON transaction that installs one check. Without `existing` it is the optimistic one for a new
 * attachment: `create chain` fails the whole transaction if the chains exist, so it cannot duplicate
 * the PREROUTING jump. With `existing` (the base-chain rules to replace) it empties and rewrites the
 * attachment's chains in place.
 */
export function spoofCheckSetupJson(sc: SpoofCheck, existing?: { staleHandles: readonly number[] }): string {
  const refId = spoofCheckRefId(sc.containerId, sc.ifname);
  const { iface, mac } = spoofCheckChains(refId);
  const comment = COMMENT_PREFIX + refId;
  const rule = (chain: string, expr: unknown[]) => ({ add: { rule: { family: FAMILY, table: TABLE, chain, expr, comment } } });
  const cmds: Cmd[] = [
    { add: { table: { family: FAMILY, name: TABLE } } },
    { add: { chain: { family: FAMILY, table: TABLE, name: BASE_CHAIN, type: 'filter', hook: 'prerouting', prio: -300, policy: 'accept' } } },
  ];
  for (const name of [iface, mac]) {
    if (existing) cmds.push({ add: { chain: chainRef(name) } }, { flush: { chain: chainRef(name) } });
    else cmds.push({ create: { chain: chainRef(name) } });
  }
  for (const handle of existing?.staleHandles ?? []) cmds.push({ delete: { rule: { ...chainRef(BASE_CHAIN, 'chain'), handle } } });
  cmds.push(
    rule(BASE_CHAIN, [{ match: { op: '==', left: { meta: { key: 'iifname' } }, right: sc.hostIfname } }, { jump: { target: iface } }]),
    rule(iface, [{ jump: { target: mac } }]),
    rule(mac, [{ match: { op: '==', left: { payload: { protocol: 'ether', field: 'saddr' } }, right: sc.mac } }, { return: null }]),
    rule(mac, [{ drop: null }]),
  );
  return JSON.stringify({ nftables: cmds });
}

/**
 * The JSON transaction that removes the checks of `refIds` from a listing of the table (what
 * `nft -j list table bridge nat` printed): their PREROUTING rules by handle, then their chains,
 * emptied first because the iface chain jumps to the mac chain. Undefined when nothing is there.
 */
export function spoofCheckTeardownJson(listing: string, refIds: ReadonlySet<string>): string | undefined {
  const { chains, rules } = parseTable(listing);
  const cmds: Cmd[] = [];
  for (const r of rules) {
    if (r.chain === BASE_CHAIN && refIds.has(r.comment?.slice(COMMENT_PREFIX.length) ?? '') && r.comment?.startsWith(COMMENT_PREFIX)) {
      cmds.push({ delete: { rule: { ...chainRef(BASE_CHAIN, 'chain'), handle: r.handle } } });
    }
  }
  const doomed = [...refIds].flatMap((id) => Object.values(spoofCheckChains(id))).filter((c) => chains.has(c));
  for (const c of doomed) cmds.push({ flush: { chain: chainRef(c) } });
  for (const c of doomed) cmds.push({ delete: { chain: chainRef(c) } });
  return cmds.length === 0 ? undefined : JSON.stringify({ nftables: cmds });
}

/** The spoof checks in a listing of the table: from the PREROUTING jumps, and orphaned chains. */
export function spoofCheckEntries(listing: string): SpoofCheckEntry[] {
  const { chains, rules } = parseTable(listing);
  const found = new Map<string, SpoofCheckEntry>();
  for (const r of rules) {
    if (r.chain !== BASE_CHAIN || !r.comment?.startsWith(COMMENT_PREFIX)) continue;
    const refId = r.comment.slice(COMMENT_PREFIX.length);
    const iif = r.expr.find((e) => e.match?.left?.meta?.key === 'iifname')?.match?.right;
    found.set(refId, typeof iif === 'string' ? { refId, hostIfname: iif } : { refId });
  }
  for (const c of chains) {
    const m = /^cni-br-iface-(.+?)(-mac)?$/.exec(c);
    if (m && !found.has(m[1]!) && !(m[2] && chains.has(c.slice(0, -4)))) found.set(m[1]!, { refId: m[1]! });
  }
  return [...found.values()];
}

/** Installs the check for one attachment, replacing any earlier one for it. */
export function setupSpoofCheck(sc: SpoofCheck, opts: FirewallOptions = {}): void {
  try {
    nftJson(spoofCheckSetupJson(sc), opts);
  } catch (err) {
    if (err instanceof FirewallError && err.notFound) throw err;
    retryOnce(() => {
      const comment = COMMENT_PREFIX + spoofCheckRefId(sc.containerId, sc.ifname);
      const stale = parseTable(listTable(opts) ?? '{}').rules.filter((r) => r.chain === BASE_CHAIN && r.comment === comment);
      nftJson(spoofCheckSetupJson(sc, { staleHandles: stale.map((r) => r.handle) }), opts);
    });
  }
}

/** Removes the check of one attachment. The table and base chain stay, as in the reference. */
export function teardownSpoofCheck(att: { containerId: string; ifname: string }, opts: FirewallOptions = {}): void {
  removeSpoofChecks(new Set([spoofCheckRefId(att.containerId, att.ifname)]), opts);
}

/** Removes the checks of `refIds` (`<cid>-<ifname>`) in one transaction. Missing is success. */
export function removeSpoofChecks(refIds: ReadonlySet<string>, opts: FirewallOptions = {}): void {
  if (refIds.size === 0) return;
  retryOnce(() => {
    const listing = listTable(opts);
    const script = listing === undefined ? undefined : spoofCheckTeardownJson(listing, refIds);
    if (script !== undefined) nftJson(script, opts);
  });
}

/**
 * Lists the spoof checks present. They are not per network (the reference keys them by container and
 * interface only), so a GC must decide by the host port, e.g. keep those whose port is not on its bridge.
 */
export function listSpoofChecks(opts: FirewallOptions = {}): SpoofCheckEntry[] {
  const listing = listTable(opts);
  return listing === undefined ? [] : spoofCheckEntries(listing);
}

function nftJson(transaction: string, opts: FirewallOptions): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-nft-'));
  try {
    const file = path.join(dir, 'transaction.json');
    fs.writeFileSync(file, transaction, { mode: 0o600 });
    runFirewall('nft', ['-j', '-f', file], '', opts);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function listTable(opts: FirewallOptions): string | undefined {
  try {
    return runFirewall('nft', ['-j', 'list', 'table', FAMILY, TABLE], '', opts);
  } catch (err) {
    if (isNoSuchObject(err)) return undefined;
    throw err;
  }
}

function chainRef(name: string, key: 'name' | 'chain' = 'name'): Record<string, unknown> {
  return { family: FAMILY, table: TABLE, [key]: name };
}

interface ListedRule { chain: string; handle: number; comment?: string; expr: Array<{ match?: { left?: { meta?: { key?: string } }; right?: unknown } }> }

function parseTable(listing: string): { chains: Set<string>; rules: ListedRule[] } {
  const doc = JSON.parse(listing) as { nftables?: Array<{ chain?: { name: string }; rule?: ListedRule }> };
  const chains = new Set<string>();
  const rules: ListedRule[] = [];
  for (const item of doc.nftables ?? []) {
    if (item.chain) chains.add(item.chain.name);
    if (item.rule) rules.push({ ...item.rule, expr: item.rule.expr ?? [] });
  }
  return { chains, rules };
}
