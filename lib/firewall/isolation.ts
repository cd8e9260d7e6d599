/**
 * Isolation between bridge networks, Docker's model in berth's chain names (filter table):
 *
 *     -A FORWARD -m comment --comment "berth network isolation" -j BERTH-ISOLATION-STAGE-1   (at the top)
 *     -A BERTH-ISOLATION-STAGE-1 -i <br> ! -o <br> -m comment --comment <c> -j BERTH-ISOLATION-STAGE-2
 *     -A BERTH-ISOLATION-STAGE-2 -o <br> -m comment --comment <c> -j DROP
 *
 * A packet from one network's bridge to any other interface goes to stage 2, which drops it when it
 * leaves through another network's bridge: the two stages make N networks cost 2N rules, not N².
 * Traffic to the uplink passes (stage 2 returns), traffic inside a bridge never enters stage 2. An
 * `--internal` network adds Docker's two drops, of anything leaving its bridge for an address outside
 * its subnet and of anything entering it from outside the subnet:
 *
 *     -A BERTH-ISOLATION-STAGE-1 ! -d <subnet> -i <br> -m comment --comment <c> -j DROP
 *     -A BERTH-ISOLATION-STAGE-1 ! -s <subnet> -o <br> -m comment --comment <c> -j DROP
 *
 * Every rule is a DROP or a jump to a stage that drops or returns, so their order within a chain does
 * not change any verdict: a missing rule is appended, a stale one deleted, and nothing else moves.
 *
 * Each rule's comment names its network (12 digits of its id) and the berth state root that made it
 * (a hash of its path), so one root's planner never touches another root's rules; the shared chains
 * and the FORWARD jump go only when no rule of anyone is left in them. This file is pure: given the
 * filter table as iptables-save printed it and the networks wanted, it returns the batch.
 */
import { createHash } from 'node:crypto';
import { argAfter, ruleLine, sameArgs, type SavedRule, type SavedTable } from './iptables-save';

export const ISOLATION_STAGE_1 = 'BERTH-ISOLATION-STAGE-1';
export const ISOLATION_STAGE_2 = 'BERTH-ISOLATION-STAGE-2';
const FORWARD = 'FORWARD';
const JUMP_COMMENT = 'berth network isolation';

/** One bridge network, as the rules need it. */
export interface IsolatedNetwork {
  /** The network's id (64 hex digits; the comment keeps 12). */
  readonly id: string;
  /** The Linux bridge (at most 15 characters, as every interface name). */
  readonly bridge: string;
  /** IPv4 subnet, `net/prefix`: an internal network's boundary. */
  readonly subnet: string;
  /** `--internal`: nothing leaves or enters the subnet through the host. */
  readonly internal: boolean;
  /** False for a network that opted out (`-o isolate=false`): it reaches and is reached by all others. */
  readonly isolate: boolean;
}

/** `berth <root hash> <12 of id>`: who a rule is for. The root hash tells two berth installs apart. */
export function isolationComment(root: string, networkId: string): string {
  return `berth root ${rootHash(root)} network ${networkId.slice(0, 12)}`;
}

/** The comment's parts, or undefined for any comment not written by isolationComment. */
export function parseIsolationComment(comment: string): { root: string; network: string } | undefined {
  const m = /^berth root ([0-9a-f]{8}) network ([0-9a-f]{12})$/.exec(comment);
  return m ? { root: m[1]!, network: m[2]! } : undefined;
}

/** 8 hex digits of sha256 of the state root's path. */
export function rootHash(root: string): string {
  return createHash('sha256').update(root, 'utf8').digest('hex').slice(0, 8);
}

/** One wanted rule: its chain and its arguments in iptables-save's order (addresses before interfaces). */
export interface IsolationRule {
  readonly chain: string;
  readonly args: readonly string[];
}

/**
 * The rules `networks` need, for the state root `root`. Nothing when they cannot matter: isolation
 * needs two isolated networks, and only an internal network has rules of its own.
 */
export function isolationRules(root: string, networks: readonly IsolatedNetwork[]): IsolationRule[] {
  const isolated = networks.filter((n) => n.isolate);
  const rules: IsolationRule[] = [];
  for (const n of networks) {
    const comment = ['-m', 'comment', '--comment', isolationComment(root, n.id)];
    if (n.isolate && isolated.length >= 2) {
      rules.push({ chain: ISOLATION_STAGE_1, args: ['-i', n.bridge, '!', '-o', n.bridge, ...comment, '-j', ISOLATION_STAGE_2] });
    }
    if (n.internal) {
      rules.push({ chain: ISOLATION_STAGE_1, args: ['!', '-d', n.subnet, '-i', n.bridge, ...comment, '-j', 'DROP'] });
      rules.push({ chain: ISOLATION_STAGE_1, args: ['!', '-s', n.subnet, '-o', n.bridge, ...comment, '-j', 'DROP'] });
    }
    if (n.isolate && isolated.length >= 2) rules.push({ chain: ISOLATION_STAGE_2, args: ['-o', n.bridge, ...comment, '-j', 'DROP'] });
  }
  return rules;
}

/** The FORWARD rule that sends every forwarded packet through stage 1. */
export const FORWARD_JUMP: readonly string[] = ['-m', 'comment', '--comment', JUMP_COMMENT, '-j', ISOLATION_STAGE_1];

/**
 * The iptables-restore lines (filter table) that turn `saved` into the state `root` wants for
 * `networks`, or an empty list when it is there already. What is added: the chains (`-N`, which fails
 * the whole batch if a concurrent writer made them first), the FORWARD jump at the top, the missing
 * rules. What goes: this root's rules that are not wanted (a removed network, changed settings) and
 * repeats of wanted ones, each by its exact spec, so the batch fails whole, and is planned again,
 * when a concurrent writer removed it first; and, once no rule of anyone is left in them, the jump
 * and both chains (`-X` refuses a chain still referenced or not empty: another root's rule added
 * meanwhile fails the batch rather than vanish). Rules of other roots are never touched.
 */
export function isolationPlan(saved: SavedTable, root: string, networks: readonly IsolatedNetwork[]): string[] {
  const wanted = isolationRules(root, networks);
  const mine = rootHash(root);
  const ours = (r: SavedRule): boolean => parseIsolationComment(argAfter(r.args, '--comment') ?? '')?.root === mine;
  const inStages = saved.rules.filter((r) => r.chain === ISOLATION_STAGE_1 || r.chain === ISOLATION_STAGE_2);
  const lines: string[] = [];

  // This root's rules: keep the first copy of each wanted one, delete the rest.
  const kept: SavedRule[] = [];
  for (const r of inStages.filter(ours)) {
    const want = wanted.some((w) => w.chain === r.chain && sameArgs(w.args, r.args));
    if (want && !kept.some((k) => k.chain === r.chain && sameArgs(k.args, r.args))) kept.push(r);
    else lines.push(`-D ${r.chain} ${r.spec}`);
  }
  const others = inStages.filter((r) => !ours(r));
  const jumps = saved.rules.filter((r) => r.chain === FORWARD && argAfter(r.args, '-j', '-g') === ISOLATION_STAGE_1);

  if (wanted.length === 0 && others.length === 0) {
    // Nobody needs the chains: they go with their jump (a chain without its jump is removed too).
    for (const j of jumps) lines.push(`-D ${FORWARD} ${j.spec}`);
    for (const chain of [ISOLATION_STAGE_1, ISOLATION_STAGE_2]) if (saved.chains.has(chain)) lines.push(`-X ${chain}`);
    return lines;
  }
  const adds: string[] = [];
  for (const chain of [ISOLATION_STAGE_1, ISOLATION_STAGE_2]) if (!saved.chains.has(chain)) adds.push(`-N ${chain}`);
  if (jumps.length === 0) adds.push(ruleLine('-I', FORWARD, FORWARD_JUMP, 1));
  for (const w of wanted) {
    if (!kept.some((k) => k.chain === w.chain && sameArgs(k.args, w.args))) adds.push(ruleLine('-A', w.chain, w.args));
  }
  return [...adds, ...lines];
}
