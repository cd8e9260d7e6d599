/**
 * `--restart`: Docker's restart policies, the decision taken at each exit, and its backoff. The
 * rules are moby's restartmanager: `always` restarts after every exit, `unless-stopped` too unless a
 * user stopped the container, `on-failure[:N]` after a non-zero exit while fewer than N restarts
 * happened (0: no limit); a `stop` or `kill` ends every policy until the next manual start. The
 * delay starts at 100 ms and doubles after each restart up to a minute, back to 100 ms after a run
 * of 10 s or more.
 */
import { ContainerError } from './store';

/** Docker's policy names. */
export type RestartPolicyName = 'no' | 'always' | 'unless-stopped' | 'on-failure';

/** A policy as `inspect .HostConfig.RestartPolicy` shows it. */
export interface RestartPolicy {
  readonly name: RestartPolicyName;
  /** on-failure's N; 0 for the other policies (and for on-failure without a limit). */
  readonly maximumRetryCount: number;
}

/** The policy of a container that has none. */
export const NO_RESTART: RestartPolicy = { name: 'no', maximumRetryCount: 0 };

const NAMES: readonly RestartPolicyName[] = ['no', 'always', 'on-failure', 'unless-stopped'];

/**
 * Parses `--restart` as the docker CLI does, then validates it as the daemon does.
 * @throws ContainerError invalid, with Docker's texts.
 */
export function parseRestartPolicy(text: string): RestartPolicy {
  const colon = text.indexOf(':');
  const name = colon === -1 ? text : text.slice(0, colon);
  const count = colon === -1 ? '' : text.slice(colon + 1);
  if (colon !== -1 && name === '') throw new ContainerError('invalid restart policy format: no policy provided before colon', 'invalid');
  let maximumRetryCount = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) throw new ContainerError('invalid restart policy format: maximum retry count must be an integer', 'invalid');
    maximumRetryCount = Number(count);
  }
  if (name === '') return NO_RESTART; // Docker's default (an empty name is "no")
  if (!(NAMES as readonly string[]).includes(name)) {
    throw new ContainerError(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`, 'invalid');
  }
  if (name !== 'on-failure' && maximumRetryCount !== 0) {
    const negative = maximumRetryCount < 0 ? ' and cannot be negative' : '';
    throw new ContainerError(`invalid restart policy: maximum retry count can only be used with 'on-failure'${negative}`, 'invalid');
  }
  if (maximumRetryCount < 0) throw new ContainerError('invalid restart policy: maximum retry count cannot be negative', 'invalid');
  return { name: name as RestartPolicyName, maximumRetryCount };
}

/** What is known at an exit. */
export interface ExitFacts {
  readonly exitCode: number;
  /** Restarts done so far by this policy (inspect's RestartCount). */
  readonly restartCount: number;
  /** A `stop`/`kill` asked for this exit (or for the one before, not undone by a start since). */
  readonly manuallyStopped: boolean;
}

/** Whether the supervisor restarts the container after an exit. */
export function shouldRestart(policy: RestartPolicy, facts: ExitFacts): boolean {
  if (facts.manuallyStopped) return false;
  switch (policy.name) {
    case 'no':
      return false;
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure':
      return facts.exitCode !== 0 && (policy.maximumRetryCount === 0 || facts.restartCount < policy.maximumRetryCount);
  }
}

/**
 * Whether a stopped container is started when the host (or berth's state under BERTH_RUN) comes
 * back: Docker's daemon start, where `always` ignores a manual stop and `unless-stopped` honours it.
 */
export function shouldStartAtBoot(policy: RestartPolicy, facts: ExitFacts): boolean {
  if (policy.name === 'always') return true;
  if (policy.name === 'unless-stopped') return !facts.manuallyStopped;
  if (policy.name === 'on-failure') return shouldRestart(policy, facts);
  return false;
}

/** The first delay, the factor, the ceiling and the run that resets it (moby's restartmanager). */
export const BACKOFF = { initialMs: 100, factor: 2, maxMs: 60_000, resetAfterRunMs: 10_000 } as const;

/**
 * The delay before the next restart: `previousMs` is the last delay (0 before the first), `ranMs`
 * how long the run that just ended lasted.
 */
export function nextRestartDelay(previousMs: number, ranMs: number): number {
  const last = ranMs >= BACKOFF.resetAfterRunMs ? 0 : previousMs;
  return last === 0 ? BACKOFF.initialMs : Math.min(last * BACKOFF.factor, BACKOFF.maxMs);
}
