/**
 * The runtime for a CLI context: the paths from BERTH_* and the stores, plus the clean-up every
 * container command runs first (whatever a killed berth left behind is released before we look).
 */
import { realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type RuntimeDeps, reconcile, runtimeDeps } from '../../../lib/runtime/container';
import type { CliContext } from '../context';

/** The directory of the running berth executable: berth-init lives next to it. */
export function executableDir(): string {
  const self = process.argv[1] ?? '';
  try {
    return dirname(realpathSync(self));
  } catch {
    return dirname(self);
  }
}

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

/** depsOf + the crash clean-up. */
export async function reconciledDeps(ctx: CliContext): Promise<RuntimeDeps> {
  const deps = depsOf(ctx);
  await reconcile(deps);
  return deps;
}
