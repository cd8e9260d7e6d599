/**
 * The masquerade table through nf_tables netlink instead of the nft process: one socket per call,
 * opened inside the target netns, and the kernel's errno turned into the FirewallError the callers'
 * retry and "no such object" logic already understand (isNoSuchObject, retryRaces).
 */
import {
  NFPROTO_INET, NetlinkError, nftApply, nftGenerationReadable, nftGetTable, nftListChains, nftListRules, nftListSets, openNftables,
  type NetlinkHandle, type NftOp,
} from '../netlink';
import { markRetryable } from '../util';
import { FirewallError, inNetns, type FirewallOptions } from './run';

/** strerror(3) of the errnos nf_tables answers with, so stderr-based predicates read them as nft's. */
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EEXIST: 'File exists',
  EBUSY: 'Device or resource busy',
  EAGAIN: 'Resource temporarily unavailable',
  EINTR: 'Interrupted system call; try again',
  EPERM: 'Operation not permitted',
  ENOTEMPTY: 'Directory not empty',
  EOPNOTSUPP: 'Operation not supported',
};

/** A NetlinkError as a FirewallError; anything else unchanged. EAGAIN/EINTR (a racing writer) are retryable. */
function asFirewallError(err: unknown): unknown {
  if (!(err instanceof NetlinkError)) return err;
  const stderr = [STRERROR[err.code] ?? err.code, err.extack].filter(Boolean).join(': ');
  const fw = new FirewallError(`netlink ${err.op}`, null, stderr, { cause: err, status: err.code });
  return err.code === 'EAGAIN' || err.code === 'EINTR' ? markRetryable(fw) : fw;
}

/** Runs `fn` with an nf_tables handle in `opts.netns`, closing it after. */
export function withNft<T>(opts: FirewallOptions, fn: (h: NetlinkHandle) => T): T {
  let h: NetlinkHandle | undefined;
  try {
    h = inNetns(opts.netns, () => openNftables());
    return fn(h);
  } catch (err) {
    throw asFirewallError(err);
  } finally {
    h?.close();
  }
}

/** Applies `ops` in the inet family as one transaction. */
export function nftApplyInet(h: NetlinkHandle, ops: readonly NftOp[]): void {
  nftApply(h, NFPROTO_INET, ops);
}

/** The rules of `table`, none when it does not exist (a dump of a missing table is empty). */
export function nftRulesOf(h: NetlinkHandle, table: string): Array<{ chain: string; handle: number; comment?: string }> {
  return nftListRules(h, NFPROTO_INET, table).map((r) => ({ chain: r.chain, handle: r.handle, ...(r.comment === undefined ? {} : { comment: r.comment }) }));
}

/**
 * The table's chains, rules and count of sets, or undefined when it does not exist. Flowtables and
 * stateful objects are not counted: nothing berth or the reference writes creates them.
 */
export function nftTableOf(h: NetlinkHandle, table: string): { chains: Set<string>; rules: ReturnType<typeof nftRulesOf>; others: number } | undefined {
  if (!nftGetTable(h, NFPROTO_INET, table)) return undefined;
  return {
    chains: new Set(nftListChains(h, NFPROTO_INET, table).map((c) => c.name)),
    rules: nftRulesOf(h, table),
    others: nftListSets(h, NFPROTO_INET, table).length,
  };
}

/** True when nf_tables answers in `opts.netns` with our privileges (NFT_MSG_GETGEN). */
export function nftNetlinkUsable(opts: FirewallOptions): boolean {
  try {
    return withNft(opts, nftGenerationReadable);
  } catch {
    return false;
  }
}
