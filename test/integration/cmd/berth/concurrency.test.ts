// Regressions from the runtime review: the crash clean-up that every command runs must never touch a
// container another berth is creating, starting or running; `create` + `start` works; a failed start
// keeps its own error; a damaged record never makes the clean-up sweep everything; `logs -f` of a
// --rm container ends with it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { useBerth, waitFor } from '../../../helpers/berth';

describe('berth CLI: concurrent commands and the crash clean-up', function () {
  this.timeout(180_000);
  const b = useBerth();

  it('create then start runs the container; a failed start keeps its error and exit code', async () => {
    const id = await b.ok(['create', '--name', 'later', 'busybox', 'sleep', '300']);
    assert.equal((await b.ok(['ps', '-a', '--format', '{{.Names}}|{{.Status}}'])).trim(), 'later|Created');
    await b.ok(['start', 'later']);
    assert.equal((await b.inspect(id)).State.Status, 'running');
    const bad = await b.berth(['run', '--name', 'nocmd', 'busybox', 'nosuchcommand']);
    assert.equal(bad.code, 127, bad.stderr);
    await b.ok(['ps']); // one more reconcile must not rewrite the failure
    const st = (await b.inspect('nocmd')).State;
    assert.equal(st.Status, 'created');
    assert.match(st.Error, /executable file not found/);
  });

  it('eight parallel `run -d` while other commands reconcile all start and keep their network', async () => {
    const runs = Array.from({ length: 8 }, (_, i) => b.berth(['run', '-d', '--name', `par${i}`, 'busybox', 'sleep', '300']));
    let stop = false;
    const reconciler = (async () => {
      while (!stop) {
        await b.berth(['rm', 'nosuch']);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const results = await Promise.all(runs);
    stop = true;
    await reconciler;
    for (const r of results) assert.equal(r.code, 0, r.stderr);
    await b.ok(['ps']);
    const residue = b.residue();
    assert.equal(residue.netns.length, 8, 'one netns per container, none swept');
    assert.equal(residue.leases.length, 8, 'one lease per container, none released');
    for (let i = 0; i < 8; i++) {
      const c = await b.inspect(`par${i}`);
      assert.equal(c.State.Status, 'running');
      assert.match(c.NetworkSettings.IPAddress, /^10\.87\./);
    }
  });

  it('a damaged record does not make the clean-up sweep the other containers', async () => {
    const id = await b.ok(['run', '-d', '--name', 'keeper', 'busybox', 'sleep', '300']);
    const other = await b.ok(['create', '--name', 'broken', 'busybox', 'true']);
    fs.writeFileSync(path.join(b.root, 'containers', other, 'config.json'), 'null\n');
    await b.berth(['rm', 'nosuch']);
    const c = await b.inspect(id);
    assert.equal(c.State.Status, 'running');
    assert.ok(fs.existsSync(path.join(b.run, 'netns', id)), 'the running container keeps its netns');
    assert.equal(b.residueExcept([]).netns?.length, 1);
  });

  it('a cache temp file left by a write killed before its rename is removed; a live one is kept', async () => {
    const results = path.join(b.cniDir, 'results');
    fs.mkdirSync(results, { recursive: true });
    const dead = `.bridge-${'d'.repeat(64)}-eth0.tmp-0123456789ab`;
    fs.writeFileSync(path.join(results, dead), '{');
    const deadOld = `.bridge-${'e'.repeat(64)}-eth0.0123456789ab.tmp`; // an earlier version's temp name
    fs.writeFileSync(path.join(results, deadOld), '{');
    const id = await b.ok(['run', '-d', '--name', 'cachelive', 'busybox', 'sleep', '300']);
    const live = `.bridge-${id}-eth0.tmp-0123456789ab`;
    fs.writeFileSync(path.join(results, live), '{');
    await b.berth(['rm', 'nosuch']);
    assert.equal(fs.existsSync(path.join(results, dead)), false, 'the orphan temp file is gone');
    assert.equal(fs.existsSync(path.join(results, deadOld)), false, 'so is one of the old naming');
    assert.equal(fs.existsSync(path.join(results, live)), true, 'a running container keeps its files');
    fs.rmSync(path.join(results, live));
  });

  it('logs -f of a --rm container ends when the container is gone', async () => {
    await b.ok(['run', '-d', '--rm', '--name', 'brief', 'busybox', 'sh', '-c', 'echo hi; sleep 1']);
    const r = await b.berth(['logs', '-f', 'brief'], { timeoutMs: 15_000 });
    assert.equal(r.signal, null, 'logs -f ended by itself');
    assert.match(r.stdout, /hi/);
    await waitFor(async () => (await b.ok(['ps', '-aq'])) === '', 10_000);
  });
});
