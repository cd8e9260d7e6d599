import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyChanges } from '../../../../../cmd/berth/commands/image-change';
import { CliError } from '../../../../../cmd/berth/cli/errors';
import { BerthHarness } from '../harness';

describe('cmd/berth/commands/image', () => {
  let h: BerthHarness;
  beforeEach(() => { h = new BerthHarness(); });
  afterEach(() => h.cleanup());

  function rootfsDir(): string {
    const dir = join(h.root, 'rootfs');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin', 'hello'), Buffer.alloc(4270));
    return dir;
  }

  it('imports a directory, lists, inspects and removes the image', async () => {
    const imported = await h.berth(['image', 'import', '--dir', rootfsDir(), '-c', 'CMD ["/bin/hello"]', '-c', 'ENV A=1', 'demo:v1']);
    assert.equal(imported.code, 0, imported.err);
    const id = imported.out.trim().replace(/^sha256:/, '');
    assert.match(id, /^[0-9a-f]{64}$/);
    h.now = new Date(h.now.getTime() + 5000);
    assert.equal(
      (await h.berth(['images'])).out,
      `REPOSITORY   TAG       IMAGE ID       CREATED         SIZE\ndemo         v1        ${id.slice(0, 12)}   5 seconds ago   4.27kB\n`,
    );
    assert.equal((await h.berth(['image', 'ls', '-q'])).out, `${id.slice(0, 12)}\n`);
    assert.equal((await h.berth(['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', 'dem*'])).out, 'demo:v1\n');
    assert.equal((await h.berth(['image', 'ls', '-q', '-f', 'reference=other'])).out, '');
    const [inspect] = JSON.parse((await h.berth(['image', 'inspect', 'demo:v1'])).out);
    assert.equal(inspect.Id, `sha256:${id}`);
    assert.deepEqual(inspect.RepoTags, ['demo:v1']);
    assert.deepEqual(inspect.Config.Cmd, ['/bin/hello']);
    assert.deepEqual(inspect.Config.Env, ['A=1']);
    assert.equal(inspect.RootFS.Layers.length, 1);
    assert.match(inspect.RootFS.Layers[0], /^sha256:[0-9a-f]{64}$/);
    const missing = await h.berth(['image', 'inspect', 'nope']);
    assert.deepEqual([missing.code, missing.out, missing.err], [1, '[]\n', 'Error response from daemon: No such image: nope:latest\n']);
    assert.deepEqual(await h.berth(['rmi', 'demo:v1']), { code: 0, out: `Untagged: demo:v1\nDeleted: sha256:${id}\nDeleted: ${inspect.RootFS.Layers[0]}\n`, err: '' });
    assert.equal((await h.berth(['image', 'ls', '-q'])).out, '');
  });

  it('requires a reference for an import', async () => {
    const r = await h.berth(['image', 'import', 'rootfs.tar']);
    assert.equal(r.code, 125);
    assert.match(r.err, /^berth: "berth image import FILE" requires a REPOSITORY\[:TAG\]/);
  });

  it('applies --change instructions as Dockerfiles spell them', () => {
    assert.deepEqual(applyChanges(['CMD ["sh", "-c", "x"]', 'ENTRYPOINT /init', 'WORKDIR /srv', 'ENV A 1', 'env A=2', 'ENV B=x=y']), {
      Cmd: ['sh', '-c', 'x'], Entrypoint: ['/bin/sh', '-c', '/init'], WorkingDir: '/srv', Env: ['A=2', 'B=x=y'],
    });
    assert.deepEqual(applyChanges(['EXPOSE 80 53/udp', 'expose 443/TCP']).ExposedPorts, { '80/tcp': {}, '53/udp': {}, '443/tcp': {} });
    for (const bad of ['EXPOSE 80/icmp', 'EXPOSE', 'ONBUILD x', 'WORKDIR rel', 'CMD ["a", 1]', 'ENV']) assert.throws(() => applyChanges([bad]), CliError, bad);
  });
});
