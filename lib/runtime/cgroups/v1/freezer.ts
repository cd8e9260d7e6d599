/** v1 freezer controller: freezer.state FROZEN / THAWED, waiting out the transient FREEZING. */
import { join } from 'node:path';
import { type CgroupFs, sleep } from '../fs';

/** How long a freeze may take before we give up (a task stuck in uninterruptible sleep can block it). */
export const FREEZE_TIMEOUT_MS = 5000;

/**
 * Sets freezer.state and waits until the kernel reports it. Freezing is asynchronous: the file reads
 * FREEZING until every task has stopped, and runc rewrites FROZEN while it waits because tasks forked
 * during the freeze can leave it stuck.
 * @throws Error when the state is not reached within {@link FREEZE_TIMEOUT_MS}.
 */
export async function setFreezerState(cfs: CgroupFs, dir: string, state: 'FROZEN' | 'THAWED'): Promise<void> {
  const file = join(dir, 'freezer.state');
  const deadline = Date.now() + FREEZE_TIMEOUT_MS;
  for (let delay = 1; ; delay = Math.min(delay * 2, 100)) {
    cfs.write(file, state);
    if (cfs.read(file).trim() === state) return;
    if (Date.now() > deadline) {
      // Leave it thawed rather than half frozen: a FREEZING cgroup cannot even be killed cleanly.
      if (state === 'FROZEN') cfs.write(file, 'THAWED');
      throw new Error(`cgroup ${dir} did not reach ${state} within ${FREEZE_TIMEOUT_MS} ms`);
    }
    await sleep(delay);
  }
}
