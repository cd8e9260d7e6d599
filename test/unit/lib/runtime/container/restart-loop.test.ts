import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ContainerConfig, type RuntimeDeps, type RestartPolicy, markManuallyStopped, parseRestartPolicy, planRestart, restartAfterDelay, runtimeDeps,
} from '../../../../../lib/runtime/container';
import { initialState } from '../../../../../lib/runtime/container/create';

describe('lib/runtime/container/restart-loop', () => {
  let dir: string;
  let deps: RuntimeDeps;
  const id = 'd'.repeat(64);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-restart-'));
    deps = runtimeDeps({ root: join(dir, 'state'), runDir: join(dir, 'run'), cniDir: join(dir, 'cni'), cgroupParent: `berth-unit-${process.pid}-absent`, cniPath: [], initPath: '/nonexistent' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const record = async (policy: RestartPolicy, exitCode: number): Promise<void> => {
    const config: ContainerConfig = {
      id, name: 'restarter', image: 'busybox', imageId: 'f'.repeat(64), command: ['false'], env: [], workingDir: '/', hostname: id.slice(0, 12),
      network: { kind: 'none' }, mounts: [], resources: {}, autoRemove: false, restartPolicy: policy, created: new Date().toISOString(),
    };
    await deps.containers.create(config, { ...initialState(), status: 'exited', exitCode });
  };

  it('on-failure:2 plans two restarts with a doubling delay, recording "restarting" and RestartCount, then none', async () => {
    await record(parseRestartPolicy('on-failure:2'), 1);
    const first = await planRestart(deps, id, 1, 50, 0);
    assert.equal(first?.delayMs, 100);
    assert.equal((await deps.containers.load(id))?.state.status, 'restarting');
    assert.equal((await deps.containers.load(id))?.state.restartCount, 1);
    await deps.containers.saveState(id, { ...first!.record.state, status: 'exited' });
    const second = await planRestart(deps, id, 1, 50, first!.delayMs);
    assert.equal(second?.delayMs, 200);
    await deps.containers.saveState(id, { ...second!.record.state, status: 'exited' });
    assert.equal(await planRestart(deps, id, 1, 50, second!.delayMs), undefined);
    assert.equal((await deps.containers.load(id))?.state.status, 'exited');
    assert.equal((await deps.containers.load(id))?.state.restartCount, 2);
  });

  it('a manual stop prevents the plan, and ends a planned restart during its delay, leaving it exited', async () => {
    await record(parseRestartPolicy('always'), 0);
    const plan = await planRestart(deps, id, 0, 50, 0);
    assert.ok(plan);
    markManuallyStopped(deps.containers.containerDir(id));
    // No start is tried (there is no init to start here): the mark is seen first.
    assert.equal(await restartAfterDelay(deps, { ...plan, delayMs: 60_000 }, ['ignore', 'pipe', 'pipe']), undefined);
    assert.equal((await deps.containers.load(id))?.state.status, 'exited');
    assert.equal(await planRestart(deps, id, 0, 50, 0), undefined);
  });
});
