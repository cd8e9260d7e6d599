// Each BUILT executable as an installer leaves it: copied alone into an empty directory (also as a
// symlink, a hard link and under another name), with nothing beside it. Plugins answer VERSION, berth
// and berthd their --help, and the loopback ADD/CHECK/DEL a throwaway netns. The koffi addon is
// extracted to a fresh BERTH_ADDON_DIR, and refused from one that others can write. Then the same for
// the no-Node form, the release tarball's hard links to the one SEA binary (`npm run release`), run
// with no node on PATH.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isBerthPlugin } from '../../../lib/cni';
import { ipJson, useNetnsPair, type TestNetns } from '../../helpers/netns';
import { runPluginInNetns, type Run } from '../../helpers/run-plugin';
import { skipUnless } from '../../helpers/skip';

const DIST = path.resolve(__dirname, '../../../dist/bin');
const RELEASE = path.resolve(__dirname, '../../../dist/release');
const PLUGINS = ['bridge', 'host-local', 'loopback', 'macvlan', 'overlay', 'portmap'];
const VERSION_OUT = '{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}';

/** Runs `exe` with only PATH and `env`, `input` on stdin. */
function run(exe: string, args: string[], env: Record<string, string>, input = ''): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(exe, args, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The forms an installer leaves: a copy, a symlink to it, a hard link to it, a copy under another name. */
function placements(source: string, dir: string, name: string): Record<string, string> {
  const copy = path.join(dir, 'copy', name);
  fs.mkdirSync(path.dirname(copy));
  fs.copyFileSync(source, copy);
  fs.chmodSync(copy, 0o755);
  const forms: Record<string, string> = { copy };
  for (const [form, make] of [['symlink', fs.symlinkSync], ['hard link', fs.linkSync]] as const) {
    const at = path.join(dir, form.replace(' ', '-'), name);
    fs.mkdirSync(path.dirname(at));
    make(copy, at);
    forms[form] = at;
  }
  return forms;
}

describe('self-contained executables (built; copied alone)', function () {
  this.timeout(120_000);
  let tmp: string;
  let addonDir: string;
  before(function () {
    if (!fs.existsSync(path.join(DIST, 'loopback'))) throw new Error(`${DIST}/loopback is missing: run \`npm run build\` first`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-alone-'));
    addonDir = path.join(tmp, 'addons');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const name of PLUGINS) {
    it(`${name}: VERSION from a copy, a symlink, a hard link and a rename, alone in an empty directory`, () => {
      const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
      const forms = placements(path.join(DIST, name), dir, name);
      forms.renamed = path.join(dir, 'copy', `cni-${name}-renamed`);
      fs.copyFileSync(forms.copy, forms.renamed);
      for (const [form, exe] of Object.entries(forms)) {
        const beside = fs.readdirSync(path.dirname(exe));
        const r = run(exe, [], { CNI_COMMAND: 'VERSION', BERTH_ADDON_DIR: addonDir }, '{"cniVersion":"1.1.0"}');
        assert.equal(r.status, 0, `${form}: ${r.stderr}`);
        assert.equal(r.stdout.trim(), VERSION_OUT, form);
        assert.deepEqual(fs.readdirSync(path.dirname(exe)), beside, `${form}: nothing written beside it`);
      }
      assert.equal(isBerthPlugin(forms['hard link'], name), true, 'still recognised as ours');
      const cache = run(forms.copy, [], { CNI_COMMAND: 'VERSION', BERTH_DEBUG_CODE_CACHE: '1' }, '{"cniVersion":"1.1.0"}');
      assert.match(cache.stderr, /code cache accepted/, 'the embedded V8 code cache is used');
    });
  }

  for (const [name, usage] of [['berth', /Usage:\s+berth/], ['berthd', /usage: berthd/]] as const) {
    it(`${name}: --help from a copy alone`, () => {
      const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
      const r = run(placements(path.join(DIST, name), dir, name).copy, ['--help'], { BERTH_ADDON_DIR: addonDir });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, usage);
    });
  }

  describe('loopback alone: ADD, CHECK, DEL in a throwaway netns', () => {
    const ns = useNetnsPair();
    const nsPath = (n: TestNetns): string => `/run/netns/${n.name}`;
    const conf = { cniVersion: '1.1.0', name: 'lo-net', type: 'loopback' };
    const ok = (r: Run, what: string): Run => {
      assert.equal(r.code, 0, `${what}: ${r.stdout}${r.stderr}`);
      return r;
    };
    const loUp = (): boolean => (ipJson(ns.container.name, 'link', 'show', 'dev', 'lo')[0].flags as string[]).includes('UP');

    for (const form of ['copy', 'symlink', 'hard link']) {
      it(`as a ${form}`, async () => {
        const dir = fs.mkdtempSync(path.join(tmp, 'lo-netns-'));
        const exe = placements(path.join(DIST, 'loopback'), dir, 'loopback')[form];
        const call = (command: string, config: object): Promise<Run> =>
          runPluginInNetns(ns.host, exe, { command, cniPath: path.dirname(exe), netns: nsPath(ns.container), ifName: 'lo', env: { BERTH_ADDON_DIR: addonDir } }, config);
        const add = ok(await call('ADD', conf), 'ADD');
        assert.equal(loUp(), true);
        ok(await call('CHECK', { ...conf, prevResult: add.json }), 'CHECK');
        ok(await call('DEL', conf), 'DEL');
        assert.equal(loUp(), false);
      });
    }

    // VERSION never loads koffi; an ADD does.
    const add = (dir: string): Promise<Run> =>
      runPluginInNetns(ns.host, path.join(DIST, 'loopback'), { command: 'ADD', cniPath: DIST, netns: nsPath(ns.container), ifName: 'lo', env: { BERTH_ADDON_DIR: dir } }, conf);

    it('the addon is written once, content-addressed, mode 0755, owned by the euid', () => {
      const files = fs.readdirSync(addonDir);
      assert.equal(files.length, 1, files.join(', '));
      assert.match(files[0], /^koffi-[0-9a-f]{64}\.node$/);
      const st = fs.statSync(path.join(addonDir, files[0]));
      assert.deepEqual({ uid: st.uid, mode: st.mode & 0o777 }, { uid: process.geteuid!(), mode: 0o755 });
    });

    it('refuses an addon directory or file that group or others can write, naming BERTH_ADDON_DIR', async () => {
      const open = path.join(tmp, 'open-addons');
      fs.mkdirSync(open, { mode: 0o700 });
      fs.chmodSync(open, 0o777);
      const r = await add(open);
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /cannot install the koffi addon in .*open-addons \(.*writable by group or others\); set BERTH_ADDON_DIR/);
      assert.deepEqual(fs.readdirSync(open), [], 'nothing written there');

      const [file] = fs.readdirSync(addonDir);
      fs.chmodSync(path.join(addonDir, file), 0o777);
      try {
        const again = await add(addonDir);
        assert.notEqual(again.code, 0);
        assert.match(again.stdout + again.stderr, /writable by group or others/);
      } finally {
        fs.chmodSync(path.join(addonDir, file), 0o755);
      }
    });
  });
});

describe('the release tarball (npm run release): hard links to one SEA binary, no node on PATH', function () {
  this.timeout(180_000);
  let dir: string;
  let addonDir: string;
  const noNode = { PATH: '/nonexistent' };
  before(function () {
    const tgz = fs.existsSync(RELEASE) ? fs.readdirSync(RELEASE).find((f) => /^berth-cni-linux-amd64-v.*\.tgz$/.test(f)) : undefined;
    skipUnless(this, tgz !== undefined, `no release tarball in ${RELEASE} (run \`npm run release\`)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-release-'));
    addonDir = path.join(dir, '.addons');
    fs.mkdirSync(path.join(dir, 'bin'));
    execFileSync('tar', ['xzf', path.join(RELEASE, tgz!), '-C', path.join(dir, 'bin')]);
  });
  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('is flat: every executable a hard link to one binary, with SHA256SUMS that match', () => {
    const bin = path.join(dir, 'bin');
    const names = fs.readdirSync(bin).sort();
    for (const p of [...PLUGINS, 'berth', 'berthd', 'berth-init', 'SHA256SUMS']) assert.ok(names.includes(p), `${p} in ${names.join(', ')}`);
    const inodes = new Set(names.filter((n) => n !== 'SHA256SUMS').map((n) => fs.statSync(path.join(bin, n)).ino));
    assert.equal(inodes.size, 1, 'one binary');
    execFileSync('sha256sum', ['--check', '--quiet', 'SHA256SUMS'], { cwd: bin });
  });

  it('every plugin answers VERSION by the name it is started as (a hard link, or a symlink of that name)', () => {
    for (const name of PLUGINS) {
      const exe = path.join(dir, 'bin', name);
      const link = path.join(dir, 'links', name);
      fs.mkdirSync(path.dirname(link), { recursive: true });
      fs.symlinkSync(exe, link);
      for (const [form, at] of [['hard link', exe], ['symlink', link]]) {
        const r = run(at, [], { ...noNode, CNI_COMMAND: 'VERSION', BERTH_ADDON_DIR: addonDir }, '{"cniVersion":"1.1.0"}');
        assert.equal(r.status, 0, `${name} (${form}): ${r.stderr}`);
        assert.equal(r.stdout.trim(), VERSION_OUT, `${name} (${form})`);
      }
      assert.equal(isBerthPlugin(exe, name), true, `${name} recognised as ours`);
      const cache = run(exe, [], { ...noNode, CNI_COMMAND: 'VERSION', BERTH_DEBUG_CODE_CACHE: '1' }, '{"cniVersion":"1.1.0"}');
      assert.match(cache.stderr, /code cache accepted/, `${name}: the asset code cache is used`);
    }
  });

  it('berth and berthd answer --help; an unknown name lists the known ones; the binary runs another name given as its script', () => {
    assert.match(run(path.join(dir, 'bin', 'berth'), ['--help'], { ...noNode, BERTH_ADDON_DIR: addonDir }).stdout, /Usage:\s+berth/);
    assert.match(run(path.join(dir, 'bin', 'berthd'), ['--help'], { ...noNode, BERTH_ADDON_DIR: addonDir }).stdout, /usage: berthd/);
    const other = path.join(dir, 'other-name');
    fs.linkSync(path.join(dir, 'bin', 'bridge'), other);
    const r = run(other, [], noNode);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /started as an unknown name; link or rename it to one of: .*loopback/);
    const asked = run(other, ['loopback'], { ...noNode, CNI_COMMAND: 'VERSION', BERTH_ADDON_DIR: addonDir }, '{"cniVersion":"1.1.0"}');
    assert.equal(asked.stdout.trim(), VERSION_OUT, `busybox style: ${asked.stderr}`);
    // berth starts berth-init and its supervisor as `process.execPath <dir>/<name>`, as with node.
    const script = run(path.join(dir, 'bin', 'berth'), [path.join(dir, 'bin', 'berthd'), '--help'], noNode);
    assert.match(script.stdout, /usage: berthd/, script.stderr);
  });

  describe('loopback ADD, CHECK, DEL', () => {
    const ns = useNetnsPair();
    it('in a throwaway netns', async () => {
      const exe = path.join(dir, 'bin', 'loopback');
      const conf = { cniVersion: '1.1.0', name: 'lo-net', type: 'loopback' };
      const call = (command: string, config: object): Promise<Run> =>
        runPluginInNetns(ns.host, exe, { command, cniPath: path.dirname(exe), netns: `/run/netns/${ns.container.name}`, ifName: 'lo', env: { ...noNode, BERTH_ADDON_DIR: addonDir } }, config);
      const add = await call('ADD', conf);
      assert.equal(add.code, 0, add.stderr);
      assert.equal((ipJson(ns.container.name, 'link', 'show', 'dev', 'lo')[0].flags as string[]).includes('UP'), true);
      const check = await call('CHECK', { ...conf, prevResult: add.json });
      assert.equal(check.code, 0, check.stderr);
      const del = await call('DEL', conf);
      assert.equal(del.code, 0, del.stderr);
    });
  });
});
