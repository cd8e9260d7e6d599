import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerStore } from '../../../../../lib/runtime/container/store';
import { ZERO_TIME } from '../../../../../lib/runtime/container/types';
import { BerthHarness } from '../harness';

const CID = 'c'.repeat(64);

describe('cmd/berth/commands/volume', () => {
  let h: BerthHarness;
  beforeEach(() => { h = new BerthHarness(); });
  afterEach(() => h.cleanup());

  /** Records a container that mounts volume `name`. */
  async function containerUsing(name: string): Promise<void> {
    await new ContainerStore(h.env.BERTH_ROOT!).create(
      {
        id: CID, name: 'user', image: 'busybox', imageId: 'b'.repeat(64), command: ['sh'], env: [], workingDir: '/', hostname: 'cccc',
        network: { kind: 'none' }, mounts: [{ type: 'volume', name, target: '/d', readonly: false, noCopy: false, options: {} }],
        resources: {}, autoRemove: false, created: '2026-01-01T00:00:00Z',
      },
      { status: 'exited', pid: 0, exitCode: 0, oomKilled: false, startedAt: ZERO_TIME, finishedAt: ZERO_TIME, error: '', netns: '', attachments: [] },
    );
  }

  it('creates (printing the name), lists and inspects volumes as Docker does', async () => {
    assert.deepEqual(await h.berth(['volume', 'create', '--label', 'team=a', '-o', 'type=tmpfs', 'data']), { code: 0, out: 'data\n', err: '' });
    const anon = await h.berth(['volume', 'create']);
    assert.match(anon.out, /^[0-9a-f]{64}\n$/);
    const ls = await h.berth(['volume', 'ls']);
    const rows = [`local     ${anon.out.trim()}`, 'local     data'].sort();
    assert.equal(ls.out, `DRIVER    VOLUME NAME\n${rows.join('\n')}\n`);
    assert.equal((await h.berth(['volume', 'ls', '-q', '-f', 'label=team=a'])).out, 'data\n');
    assert.equal((await h.berth(['volume', 'ls', '--format', '{{.Name}} {{.Labels}}', '-f', 'name=dat'])).out, 'data team=a\n');
    assert.equal((await h.berth(['volume', 'list', '--format', 'table {{.Name}}\t{{.Driver}}', '-f', 'name=data'])).out, 'VOLUME NAME   DRIVER\ndata          local\n');
    const inspect = await h.berth(['volume', 'inspect', 'data']);
    assert.equal(inspect.code, 0);
    assert.equal(inspect.out, `${JSON.stringify([{
      CreatedAt: '2026-01-01T12:00:00Z', Driver: 'local', Labels: { team: 'a' }, Mountpoint: join(h.env.BERTH_ROOT!, 'volumes/data/_data'),
      Name: 'data', Options: { type: 'tmpfs' }, Scope: 'local',
    }], null, 4)}\n`);
    assert.equal((await h.berth(['volume', 'inspect', '--format', '{{.Mountpoint}}', 'data'])).out, `${join(h.env.BERTH_ROOT!, 'volumes/data/_data')}\n`);
  });

  it('inspects what exists and reports what does not, exit 1', async () => {
    await h.berth(['volume', 'create', 'data']);
    const r = await h.berth(['volume', 'inspect', 'data', 'nope']);
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.out).length, 1);
    assert.equal(r.err, 'Error response from daemon: get nope: no such volume\n');
  });

  it('refuses a driver other than local and bad names', async () => {
    const r = await h.berth(['volume', 'create', '-d', 'nfs', 'x1']);
    assert.deepEqual([r.code, r.err], [1, 'Error response from daemon: create x1: error looking up volume plugin nfs: plugin "nfs" not found\n']);
    const bad = await h.berth(['volume', 'create', 'a/b']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /^Error response from daemon: create a\/b: "a\/b" includes invalid characters for a local volume name/);
  });

  it('filters dangling volumes by container use', async () => {
    await h.berth(['volume', 'create', 'used']);
    await h.berth(['volume', 'create', 'free']);
    await containerUsing('used');
    assert.equal((await h.berth(['volume', 'ls', '-q', '-f', 'dangling=true'])).out, 'free\n');
    assert.equal((await h.berth(['volume', 'ls', '-q', '-f', 'dangling=false'])).out, 'used\n');
    const bad = await h.berth(['volume', 'ls', '-f', 'colour=red']);
    assert.deepEqual([bad.code, bad.err], [1, "Error response from daemon: invalid filter 'colour'\n"]);
    const malformed = await h.berth(['volume', 'ls', '-f', 'dangling']);
    assert.deepEqual([malformed.code, malformed.err], [1, 'berth: bad format of filter (expected name=value)\n']);
  });

  it('removes volumes, refusing one in use with Docker\'s message', async () => {
    await h.berth(['volume', 'create', 'used']);
    await h.berth(['volume', 'create', 'free']);
    await containerUsing('used');
    const r = await h.berth(['volume', 'rm', 'free', 'used', 'ghost']);
    assert.equal(r.code, 1);
    assert.equal(r.out, 'free\n');
    assert.equal(r.err, `Error response from daemon: remove used: volume is in use - [${CID}]\nError response from daemon: get ghost: no such volume\n`);
    assert.deepEqual(await h.berth(['volume', 'rm', '-f', 'ghost']), { code: 0, out: 'ghost\n', err: '' });
    assert.equal((await h.berth(['volume', 'ls', '-q'])).out, 'used\n');
  });

  it('prunes unused anonymous volumes after confirmation, reporting the space', async () => {
    const anon = (await h.berth(['volume', 'create'])).out.trim();
    await h.berth(['volume', 'create', 'named']);
    writeFileSync(join(h.env.BERTH_ROOT!, 'volumes', anon, '_data', 'f'), Buffer.alloc(1500));
    const warning = 'WARNING! This will remove anonymous local volumes not used by at least one container.\nAre you sure you want to continue? [y/N] ';
    assert.deepEqual(await h.berth(['volume', 'prune'], { stdin: ['n'] }), { code: 0, out: warning, err: '' });
    assert.deepEqual(await h.berth(['volume', 'prune']), { code: 0, out: warning, err: '' }, 'end of input means no');
    assert.ok(existsSync(join(h.env.BERTH_ROOT!, 'volumes', anon)));
    const r = await h.berth(['volume', 'prune'], { stdin: ['y'] });
    assert.equal(r.out, `${warning}Deleted Volumes:\n${anon}\n\nTotal reclaimed space: 1.5kB\n`);
    assert.equal((await h.berth(['volume', 'prune', '-f'])).out, 'Total reclaimed space: 0B\n');
    assert.equal((await h.berth(['volume', 'prune', '-f', '--all'])).out, 'Deleted Volumes:\nnamed\n\nTotal reclaimed space: 0B\n');
  });

  it('prints usage errors with the See line, exit 125', async () => {
    assert.deepEqual(await h.berth(['volume', 'ls', '--foo']), { code: 125, out: '', err: "unknown flag: --foo\nSee 'berth volume ls --help'.\n" });
    const r = await h.berth(['volume', 'rm']);
    assert.equal(r.code, 125);
    assert.equal(r.err, `"berth volume rm" requires at least 1 argument.\nSee 'berth volume rm --help'.\n\nUsage:  berth volume rm [OPTIONS] VOLUME [VOLUME...]\n\nRemove one or more volumes. You cannot remove a volume that is in use by a container.\n`);
  });
});
