// `berth install-cni` with the BUILT berth (dist/bin; `npm run build` first) into throwaway directories:
// every plugin lands alone in --bin-dir and runs from there (VERSION, and the loopback's ADD/DEL in a
// throwaway netns), a reinstall while the runtime keeps exec'ing the plugin never lets an exec fail, and
// --conflist writes the default conflist once and never overwrites it. From the release tarball
// (`npm run release`), the hard links of the one binary are installed as one file and links.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CNI_PLUGINS, CONFLIST_NAME, DEFAULT_CONFLIST } from '../../../../cmd/berth/commands/install-cni';
import { ipJson, useNetnsPair } from '../../../helpers/netns';
import { runPluginInNetns } from '../../../helpers/run-plugin';
import { skipUnless } from '../../../helpers/skip';

const DIST = path.resolve(__dirname, '../../../../dist/bin');
const RELEASE = path.resolve(__dirname, '../../../../dist/release');

function berth(exe: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(exe, args, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const version = (exe: string): Promise<{ code: number | null; out: string }> => new Promise((resolve) => {
  const child = spawn(exe, [], { env: { PATH: '/usr/bin:/bin', CNI_COMMAND: 'VERSION' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  child.on('error', (err) => resolve({ code: -1, out: String(err) }));
  child.on('close', (code) => resolve({ code, out }));
  child.stdin.end('{"cniVersion":"1.1.0"}');
});

describe('berth install-cni (built)', function () {
  this.timeout(180_000);
  let tmp: string;
  before(() => {
    if (!fs.existsSync(path.join(DIST, 'berth'))) throw new Error(`${DIST}/berth is missing: run \`npm run build\` first`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-install-cni-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('installs every plugin, alone, executable, and each answers VERSION from there', async () => {
    const binDir = path.join(tmp, 'opt-cni-bin');
    const r = berth(path.join(DIST, 'berth'), ['install-cni', '--bin-dir', binDir]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(fs.readdirSync(binDir).sort(), [...CNI_PLUGINS].sort(), 'the plugins and nothing else (no temp file left)');
    for (const name of CNI_PLUGINS) {
      assert.equal(fs.statSync(path.join(binDir, name)).mode & 0o777, 0o755, name);
      const v = await version(path.join(binDir, name));
      assert.equal(v.code, 0, `${name}: ${v.out}`);
      assert.match(v.out, /"supportedVersions"/);
    }
  });

  it('a reinstall while the plugin is exec\'d over and over never gives an exec a partial file', async () => {
    const binDir = path.join(tmp, 'upgrade');
    assert.equal(berth(path.join(DIST, 'berth'), ['install-cni', '--bin-dir', binDir]).status, 0);
    let installing = true;
    const installs = (async () => {
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const child = spawn(path.join(DIST, 'berth'), ['install-cni', '--bin-dir', binDir], { stdio: 'ignore' });
          child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`install-cni exited ${code}`))));
        });
      }
      installing = false;
    })();
    let runs = 0;
    while (installing) {
      const v = await version(path.join(binDir, 'loopback'));
      assert.equal(v.code, 0, `exec during the upgrade: ${v.out}`);
      runs++;
    }
    await installs;
    assert.ok(runs > 0);
  });

  it('--conflist writes the default conflist once and keeps an existing one', () => {
    const confDir = path.join(tmp, 'net.d');
    const args = ['install-cni', '--bin-dir', path.join(tmp, 'bin2'), '--conf-dir', confDir, '--conflist'];
    const first = berth(path.join(DIST, 'berth'), args);
    assert.equal(first.status, 0, first.stderr);
    const file = path.join(confDir, CONFLIST_NAME);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), DEFAULT_CONFLIST);
    assert.deepEqual(DEFAULT_CONFLIST.plugins.map((p) => p.type), ['bridge', 'portmap']);
    fs.writeFileSync(file, '{"edited": true}\n');
    const again = berth(path.join(DIST, 'berth'), args);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /kept the existing/);
    assert.equal(fs.readFileSync(file, 'utf8'), '{"edited": true}\n');
    fs.writeFileSync(path.join(confDir, '05-other.conflist'), '{}');
    assert.match(berth(path.join(DIST, 'berth'), args).stderr, /05-other\.conflist sorts first/);
  });

  it('refuses a --from that does not hold berth\'s plugins', () => {
    const r = berth(path.join(DIST, 'berth'), ['install-cni', '--bin-dir', path.join(tmp, 'bin3'), '--from', '/usr/lib/cni']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /\/usr\/lib\/cni\/bridge is not berth's bridge plugin/);
    assert.equal(fs.existsSync(path.join(tmp, 'bin3')), false, 'nothing installed');
  });

  describe('the installed loopback in a throwaway netns', () => {
    const ns = useNetnsPair();
    it('ADD brings lo up, DEL takes it down', async () => {
      const binDir = path.join(tmp, 'opt-cni-bin');
      const conf = { cniVersion: '1.1.0', name: 'lo-net', type: 'loopback' };
      const call = (command: string) => runPluginInNetns(ns.host, path.join(binDir, 'loopback'), { command, cniPath: binDir, netns: `/run/netns/${ns.container.name}`, ifName: 'lo' }, conf);
      const up = (): boolean => (ipJson(ns.container.name, 'link', 'show', 'dev', 'lo')[0].flags as string[]).includes('UP');
      const add = await call('ADD');
      assert.equal(add.code, 0, add.stdout + add.stderr);
      assert.equal(up(), true);
      const del = await call('DEL');
      assert.equal(del.code, 0, del.stdout + del.stderr);
      assert.equal(up(), false);
    });
  });

  it('from the release tarball (berth found on PATH): one file and hard links to it, run with no node on PATH', function () {
    const tgz = fs.existsSync(RELEASE) ? fs.readdirSync(RELEASE).find((f) => f.endsWith('.tgz')) : undefined;
    skipUnless(this, tgz !== undefined, `no release tarball in ${RELEASE} (run \`npm run release\`)`);
    const unpacked = path.join(tmp, 'release');
    fs.mkdirSync(unpacked);
    execFileSync('tar', ['xzf', path.join(RELEASE, tgz!), '-C', unpacked]);
    const binDir = path.join(tmp, 'sea-bin');
    // Found on PATH, started from elsewhere: berth still finds the plugins beside itself.
    const r = spawnSync('berth', ['install-cni', '--bin-dir', binDir], { env: { PATH: unpacked }, cwd: tmp, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const inodes = new Set(CNI_PLUGINS.map((n) => fs.statSync(path.join(binDir, n)).ino));
    assert.equal(inodes.size, 1, 'one binary, linked under every name');
    const v = spawnSync(path.join(binDir, 'portmap'), [], { env: { PATH: '/nonexistent', CNI_COMMAND: 'VERSION' }, input: '{"cniVersion":"1.1.0"}', encoding: 'utf8' });
    assert.equal(v.status, 0, v.stderr);
    assert.match(v.stdout, /"supportedVersions"/);
  });
});
