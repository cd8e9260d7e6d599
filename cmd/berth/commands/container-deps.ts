/**
 * The runtime for a CLI context: the paths from BERTH_* and the stores, plus the clean-up every
 * container command runs first (whatever a killed berth left behind is released before we look).
 */
import { join } from 'node:path';
import { type RuntimeDeps, reconcile, runtimeDeps } from '../../../lib/runtime/container';
import type { CliContext } from '../context';
import { executableDir } from './executable-dir';
import { spawnSupervisor } from './supervisor-spawn';

export { executableDir };

/** The runtime dependencies of `ctx`. */
export function depsOf(ctx: CliContext): RuntimeDeps {
  return runtimeDeps({
    root: ctx.root,
    runDir: ctx.run,
    cniDir: ctx.cniDir,
    cgroupParent: ctx.cgroupParent,
    cniPath: ctx.cniPath,
    initPath: join(executableDir(), 'berth-init'),
    usernsIdmap: ctx.env.BERTH_USERNS_IDMAP !== '0',
    berthdPath: join(executableDir(), 'berthd'),
    ...(ctx.env.BERTH_RESOLV_CONF ? { resolvConf: ctx.env.BERTH_RESOLV_CONF } : {}),
  });
}

/**
 * depsOf + the crash clean-up, which hands lost containers whose restart policy says so (and, once
 * per boot, the stopped `always`/`unless-stopped` ones) to new supervisors.
 */
export async function reconciledDeps(ctx: CliContext): Promise<RuntimeDeps> {
  const deps = depsOf(ctx);
  // Without a delay (a boot start) the supervisor answers once the command runs, as `start` does.
  await reconcile(deps, { restarter: (plan, lock) => spawnSupervisor(deps, plan.record, lock, plan.delayMs === 0 ? undefined : plan.delayMs) });
  return deps;
}
