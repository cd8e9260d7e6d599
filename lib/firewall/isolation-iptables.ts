/**
 * Applies the isolation plan (isolation.ts) with the iptables tools: one iptables-save of the filter
 * table and, only when something is missing or stale, one iptables-restore --noflush batch. The batch
 * is one transaction (iptables-nft) or one table commit under the xtables lock (legacy, `-w`), and
 * it is planned to fail whole when another writer changed what it saw, so it is then planned again.
 *
 * iptables only, on purpose: Debian's and most distributions' iptables is iptables-nft, which writes
 * nf_tables itself, so the one host where it is unusable is one without the iptables package; there
 * bridge networks fail anyway, as the bridge's masquerade and the portmap plugin default to iptables
 * too. The error names the missing command.
 */
import { parseSave } from './iptables-save';
import { RESTORE_ARGS } from './iptables';
import { isolationPlan, type IsolatedNetwork } from './isolation';
import { retryRaces, runFirewall, type FirewallOptions } from './run';

/** What one sync did: the lines it applied (none when everything was in place). */
export interface IsolationSync {
  readonly applied: readonly string[];
}

/**
 * Makes the filter table hold exactly the isolation rules state root `root` wants for the networks
 * `wanted` returns (every bridge network it knows), leaving other roots' rules alone. `wanted` is
 * called after each reading of the table, never before: a rule of this root seen in the table was
 * then written for a network that `wanted` already knows, unless it was removed since. Idempotent; a
 * repeat costs one iptables-save. Callers serialize the syncs of one root (a lock), so two never plan
 * from one reading.
 * @throws {FirewallError} iptables-save or -restore failed five times, or is not installed
 */
export function syncIsolation(root: string, wanted: () => readonly IsolatedNetwork[], opts: FirewallOptions = {}): IsolationSync {
  return retryRaces(() => {
    const saved = parseSave(runFirewall('iptables-save', ['-t', 'filter'], '', opts), 'filter');
    const lines = isolationPlan(saved, root, wanted());
    if (lines.length > 0) runFirewall('iptables-restore', RESTORE_ARGS, `*filter\n${lines.join('\n')}\nCOMMIT\n`, opts);
    return { applied: lines };
  });
}
