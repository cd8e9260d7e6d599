// The only way a test skips. Every skip says why, on stderr, next to the test's name: a silent skip
// hides a broken set-up (a build that did not run, a package setup.sh failed to install).
//
// Two kinds:
// - skipUnless: something the set-up provides (a build output, the reference plugins, etcd, python3,
//   cgroup v1). On CI (.ci/run exports BERTH_NO_SKIP=1, after setup.sh installed everything) it fails
//   the test with the reason instead of skipping: there, a missing piece is a broken set-up.
// - skipUnlessHost: a fact of the machine the suite runs on that no set-up changes and that is no
//   fault (a kernel without bridge VLAN filtering, one that lets a file open for writing be exec'd, a
//   unit test's optional program). Always a skip, printed, never counted against CI.
//
// test/unit/test/skips.test.ts checks that no test calls this.skip() itself.

/** The environment variable under which a set-up skip fails instead. */
export const NO_SKIP_ENV = 'BERTH_NO_SKIP';

/** The part of a mocha context the helpers use (a test's `this`, or a hook's). */
export interface SkipContext {
  skip(): never;
  readonly currentTest?: { fullTitle(): string } | undefined;
  readonly test?: { fullTitle(): string } | undefined;
}

/**
 * Skips unless `condition` holds, printing `reason`; under BERTH_NO_SKIP=1 throws instead, so the test
 * (or the hook, and with it its suite) fails naming what the set-up lacks.
 */
export function skipUnless(ctx: SkipContext, condition: boolean, reason: string, env: NodeJS.ProcessEnv = process.env): void {
  if (condition) return;
  if (env[NO_SKIP_ENV] === '1') throw new Error(`set-up incomplete (${NO_SKIP_ENV}=1 forbids skipping): ${reason}`);
  skipWithReason(ctx, reason);
}

/** Skips unless `condition` holds, printing `reason`, whatever the environment (see the header). */
export function skipUnlessHost(ctx: SkipContext, condition: boolean, reason: string): void {
  if (!condition) skipWithReason(ctx, reason);
}

function skipWithReason(ctx: SkipContext, reason: string): never {
  const title = ctx.currentTest?.fullTitle() ?? ctx.test?.fullTitle() ?? '(unknown test)';
  process.stderr.write(`skipped: ${title}: ${reason}\n`);
  return ctx.skip();
}
