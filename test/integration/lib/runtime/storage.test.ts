// Storage against the real kernel: an overlay root, a read-only bind, a sized tmpfs and a volume,
// mounted and torn down by lib/runtime/storage. The mounts happen in a child process started by
// `unshare -m --propagation private`: Node cannot unshare its own mount namespace (it is
// multithreaded), and a private namespace means nothing can reach the host's mount table, even
// if a test dies halfway; the namespace goes away with the child.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const STORAGE = resolve(__dirname, '../../../../lib/runtime/storage');

/** The child's program: every step's outcome goes into one JSON report on stdout. */
const CHILD = String.raw`
const fs = await import('node:fs');
// tsx loads the .ts modules as CommonJS: from ESM their exports arrive on default.
const load = async (file) => { const m = await import(process.env.STORAGE + '/' + file); return m.default ?? m; };
const { apply, planMounts, planTeardown, teardown } = await load('mount-plan.ts');
const { overlayLayout, planOverlayRoot, planOverlayTeardown, removeWritableLayer } = await load('overlay-root.ts');
const { parseMountFlag, parseTmpfsFlag, parseVolumeFlag, checkDuplicateTargets } = await load('mount-spec.ts');
const { VolumeStore } = await load('volume-store.ts');
const dir = process.env.DIR;
const ours = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir));
const report = {};
const layout = overlayLayout(dir + '/c1', [dir + '/lower']);
const store = new VolumeStore({ root: dir + '/state' });
let plan = [];
try {
  apply(planOverlayRoot(layout));
  fs.writeFileSync(layout.merged + '/new.txt', 'hi');
  report.inUpper = fs.existsSync(layout.upperdir + '/new.txt');
  report.inLower = fs.existsSync(dir + '/lower/new.txt');
  report.imageFile = fs.readFileSync(layout.merged + '/image.txt', 'utf8');
  await store.create('vol1');
  const specs = [parseMountFlag('type=bind,src=' + dir + '/src,dst=/ro,readonly'), parseTmpfsFlag('/scratch:size=1m'), parseVolumeFlag('vol1:/vol')];
  checkDuplicateTargets(specs);
  const sourceKind = (p) => { try { return fs.statSync(p).isDirectory() ? 'directory' : 'file'; } catch { return undefined; } };
  plan = planMounts(specs, { rootfs: layout.merged, volumePath: (n) => store.mountpoint(n), sourceKind });
  apply(plan);
  report.roRead = fs.readFileSync(layout.merged + '/ro/src.txt', 'utf8');
  try { fs.writeFileSync(layout.merged + '/ro/x', 'x'); report.roWrite = 'written'; } catch (e) { report.roWrite = e.code; }
  const st = fs.statfsSync(layout.merged + '/scratch');
  report.tmpfsBytes = st.blocks * st.bsize;
  report.tmpfsLine = ours().find((l) => l.includes('/scratch ')) ?? '';
  fs.writeFileSync(layout.merged + '/vol/data', 'persist');
  report.mountsWhileUp = ours().length;
} finally {
  teardown(planTeardown(plan));
  teardown(planOverlayTeardown(layout));
}
report.mountsAfter = ours();
report.volumeData = fs.readFileSync(store.mountpoint('vol1') + '/data', 'utf8');
await removeWritableLayer(layout);
report.layerGone = !fs.existsSync(layout.upperdir) && !fs.existsSync(layout.merged);
process.stdout.write(JSON.stringify(report));
`;

interface Report {
  inUpper: boolean; inLower: boolean; imageFile: string; roRead: string; roWrite: string; tmpfsBytes: number;
  tmpfsLine: string; mountsWhileUp: number; mountsAfter: string[]; volumeData: string; layerGone: boolean;
}

const hostMounts = (dir: string): string[] => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(dir));

describe('lib/runtime/storage (root, private mount namespace)', () => {
  let dir: string;
  let report: Report;

  before(function () {
    dir = mkdtempSync(join(tmpdir(), 'berth-storage-'));
    mkdirSync(join(dir, 'lower'));
    writeFileSync(join(dir, 'lower/image.txt'), 'from the image');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/src.txt'), 'from the host');
    const out = execFileSync(
      'unshare',
      ['-m', '--propagation', 'private', process.execPath, '--import', 'tsx', '--input-type=module', '-e', CHILD],
      { env: { ...process.env, STORAGE, DIR: dir }, encoding: 'utf8', cwd: resolve(__dirname, '../../../..') },
    );
    report = JSON.parse(out) as Report;
  });

  after(() => {
    if (dir === undefined) return;
    // The namespace died with the child, so nothing can be mounted here; check before deleting
    // rather than rm -r through a stray mount.
    if (hostMounts(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  });

  it('overlay root: a write in merged lands in upper only, and the image shows through', () => {
    assert.equal(report.inUpper, true);
    assert.equal(report.inLower, false);
    assert.equal(report.imageFile, 'from the image');
  });

  it('a read-only bind reads the host dir and refuses writes with EROFS', () => {
    assert.equal(report.roRead, 'from the host');
    assert.equal(report.roWrite, 'EROFS');
  });

  it('a tmpfs with size=1m is 1 MiB (statfs and mountinfo agree)', () => {
    assert.equal(report.tmpfsBytes, 1 << 20);
    assert.match(report.tmpfsLine, / - tmpfs tmpfs rw,.*size=1024k/);
    assert.match(report.tmpfsLine, /nosuid,nodev,noexec/);
  });

  it('volume data outlives the mounts; teardown leaves nothing in mountinfo', () => {
    assert.equal(report.mountsWhileUp, 4);
    assert.deepEqual(report.mountsAfter, []);
    assert.equal(report.volumeData, 'persist');
    assert.equal(report.layerGone, true);
  });

  it('never touched the host mount table', () => {
    assert.deepEqual(hostMounts(dir), []);
  });
});
