// Throwaway network namespaces for integration tests: a "host" and a "container" netns per test, with
// names unique to this process, removed after each test even when it fails.
import { execFileSync } from 'node:child_process';
import { createNamedNetns, deleteNamedNetns, type Netns } from '../../lib/netns';

/** Every test namespace starts with this, so the suite can prove it leaked none. */
export const TEST_NETNS_PREFIX = 'bt-';

let counter = 0;

/** A name no other test (or a parallel run) uses: `bt-<role>-<pid36>-<n>`. */
export function uniqueName(role: string): string {
  counter += 1;
  return `${TEST_NETNS_PREFIX}${role}-${process.pid.toString(36)}-${counter}`;
}

/** True for a name that uniqueName gave out in this process. */
export function isOwnTestName(name: string): boolean {
  return new RegExp(`^${TEST_NETNS_PREFIX}.*-${process.pid.toString(36)}-\\d+$`).test(name);
}

/** A named netns created for one test; `remove()` is idempotent. */
export interface TestNetns extends Netns {
  readonly name: string;
  remove(): void;
}

/** Creates a named netns with a unique name. */
export function makeTestNetns(role: string): TestNetns {
  const name = uniqueName(role);
  const ns = createNamedNetns(name);
  let removed = false;
  return Object.assign(Object.create(null), ns, {
    name,
    close: () => ns.close(),
    remove() {
      if (removed) return;
      removed = true;
      ns.close();
      deleteNamedNetns(name);
    },
  }) as TestNetns;
}

/**
 * Registers beforeEach/afterEach hooks giving each test a fresh "host" and "container" netns.
 * Use inside a describe(): `const ns = useNetnsPair(); ... ns.host.name`.
 */
export function useNetnsPair(): { host: TestNetns; container: TestNetns } {
  const pair = {} as { host: TestNetns; container: TestNetns };
  beforeEach(() => {
    pair.host = makeTestNetns('host');
    pair.container = makeTestNetns('ctr');
  });
  afterEach(() => {
    pair.container?.remove();
    pair.host?.remove();
  });
  return pair;
}

/** `ip -n <ns> -j -d <args>` parsed: what the kernel reports, as iproute2 sees it. */
export function ipJson(nsName: string, ...args: string[]): any {
  const out = execFileSync('ip', ['-n', nsName, '-j', '-d', ...args], { encoding: 'utf8' });
  return out.trim() === '' ? [] : JSON.parse(out);
}

/** Runs `ip -n <ns> <args>` (test set-up and inspection only; the code under test never spawns ip). */
export function ip(nsName: string, ...args: string[]): string {
  return execFileSync('ip', ['-n', nsName, ...args], { encoding: 'utf8' });
}
