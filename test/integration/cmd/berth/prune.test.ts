// `container prune` and `image prune` through the berth CLI: only stopped containers go (running
// ones keep their processes and records), only dangling (or with -a unused) images, Docker's report.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useBerth } from '../../../helpers/berth';

describe('berth CLI: container prune, image prune', function () {
  this.timeout(60_000);
  const b = useBerth();

  it('container prune removes the exited and created containers with their layers, not the running one', async () => {
    const exited = await b.ok(['run', '-d', '--name', 'pr-exited', 'busybox', 'sh', '-c', 'head -c 5000 /dev/zero > /f']);
    assert.equal(await b.ok(['wait', 'pr-exited']), '0');
    const created = await b.ok(['create', '--name', 'pr-created', 'busybox', 'true']);
    const running = await b.ok(['run', '-d', '--name', 'pr-running', 'busybox', 'sleep', '1000']);
    const asked = await b.berth(['container', 'prune'], { input: 'n\n' });
    assert.equal(asked.stdout, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ');
    assert.equal((await b.ok(['ps', '-aq'])).split('\n').length, 3, 'a "no" removes nothing');
    const out = await b.ok(['container', 'prune', '-f']);
    const [head, ...rest] = out.split('\n');
    assert.equal(head, 'Deleted Containers:');
    assert.deepEqual(rest.slice(0, 2).sort(), [exited, created].sort());
    assert.deepEqual(rest.slice(2), ['', 'Total reclaimed space: 5kB']);
    assert.deepEqual(await b.runningIds(), [running]);
    assert.deepEqual(fs.readdirSync(path.join(b.root, 'containers')).filter((d) => d !== '.staging.lock'), [running]);
    const pid = (await b.inspect('pr-running')).State.Pid as number;
    process.kill(pid, 0); // still there
    assert.equal(await b.ok(['container', 'prune', '-f']), 'Total reclaimed space: 0B');
  });

  it('image prune removes dangling images; -a every image no container uses', async () => {
    const dirs = ['a', 'b'].map((n) => {
      const d = fs.mkdtempSync(path.join(os.tmpdir(), `berth-prune-${n}-`));
      fs.writeFileSync(path.join(d, n), `${n}\n`);
      return d;
    });
    try {
      const layerOf = async (id: string): Promise<string> => JSON.parse(await b.ok(['image', 'inspect', id]))[0].RootFS.Layers[0];
      const dangling = await b.ok(['image', 'import', '--dir', dirs[0]!, 'pr-img:1']);
      const danglingLayer = await layerOf(dangling);
      const tagged = await b.ok(['image', 'import', '--dir', dirs[1]!, 'pr-img:1']); // moves the tag: the first dangles
      const taggedLayer = await layerOf(tagged);
      // As Docker's: the image, then the layers that went with it.
      assert.equal(await b.ok(['image', 'prune', '-f']), `Deleted Images:\ndeleted: ${dangling}\ndeleted: ${danglingLayer}\n\nTotal reclaimed space: 2B`);
      await b.ok(['create', '--name', 'pr-user', 'busybox', 'true']);
      const all = await b.ok(['image', 'prune', '-a', '-f']);
      assert.equal(all, `Deleted Images:\nuntagged: pr-img:1\ndeleted: ${tagged}\ndeleted: ${taggedLayer}\n\nTotal reclaimed space: 2B`);
      const left = await b.ok(['images', '--format', '{{.Repository}}']);
      assert.equal(left, 'busybox', 'the image a container uses stays');
    } finally {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
