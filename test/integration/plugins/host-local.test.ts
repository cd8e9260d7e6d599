// The BUILT host-local (dist/bin/host-local, `npm run build` first) over the spec-version matrix,
// against Debian's reference plugin (/usr/lib/cni/host-local, package containernetworking-plugins):
// results, the files on disk after every verb, a shared store in both directions, concurrency and
// SIGKILLs. Every test has its own dataDir under the OS temp dir and removes it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { skipUnless } from '../../helpers/skip';

const BUILT = path.resolve(__dirname, '../../../dist/bin');
/** The built executable, copied with dist/bin once per run, so a rebuild meanwhile cannot change it. */
let OURS = path.join(BUILT, 'host-local');
const REFERENCE = '/usr/lib/cni/host-local';
const VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];
const at = (v: string, min: string): boolean => VERSIONS.indexOf(v) >= VERSIONS.indexOf(min);

interface Run { code: number | null; signal: string | null; stdout: string; stderr: string; json: Record<string, unknown> | undefined }

/** Runs a plugin once. The env is built from scratch: no NODE_EXTRA_CA_CERTS (parsed at every start). */
function exec(bin: string, command: string, conf: object, env: Record<string, string> = {}, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, [], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', CNI_COMMAND: command, CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', CNI_NETNS: '/var/run/netns/berth-hl-none', CNI_PATH: '/usr/lib/cni', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.stdin.on('error', () => undefined); // a killed child closes its stdin early
    if (killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('close', (code, signal) => {
      let json: Record<string, unknown> | undefined;
      try { json = stdout.trim() ? JSON.parse(stdout) : undefined; } catch { json = undefined; }
      resolve({ code, signal, stdout, stderr, json });
    });
    child.stdin.end(JSON.stringify(conf));
  });
}

/** The reference prints `"dns": {}` (Go marshals the empty struct); ours leaves it out, as the spec allows. */
function normalise(r: Record<string, unknown> | undefined): unknown {
  const out = { ...r };
  if (out.dns && Object.keys(out.dns as object).length === 0) delete out.dns;
  return out;
}

/** `<name>: <content>` for every file of a network directory, sorted. */
function snapshot(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).sort().map((f) => `${f}: ${JSON.stringify(fs.readFileSync(path.join(dir, f), 'utf8'))}`);
}

describe('plugins/host-local (built executable)', function () {
  this.timeout(120_000);
  let tmp: string;
  const haveReference = fs.existsSync(REFERENCE);

  let binDir: string;
  before(() => {
    if (!fs.existsSync(OURS)) throw new Error(`${OURS} is missing: run \`npm run build\` first`);
    binDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-hl-bin-'));
    fs.cpSync(BUILT, binDir, { recursive: true });
    OURS = path.join(binDir, 'host-local');
  });
  after(() => fs.rmSync(binDir, { recursive: true, force: true }));
  // afterEach does not run when mocha itself is interrupted (a ^C in the 8 x 200 test): clean up on exit too.
  const live = new Set<string>();
  const cleanup = (): void => { for (const d of live) fs.rmSync(d, { recursive: true, force: true }); live.clear(); };
  before(() => process.once('exit', cleanup));
  after(() => { process.removeListener('exit', cleanup); cleanup(); });
  beforeEach(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-hl-it-')); live.add(tmp); });
  afterEach(() => { fs.rmSync(tmp, { recursive: true, force: true }); live.delete(tmp); });

  const config = (version: string, dataDir: string, ipam: object = {}, extra: object = {}) => ({
    cniVersion: version, name: 'hlnet', type: 'bridge',
    ipam: {
      type: 'host-local', dataDir,
      ranges: [[{ subnet: '10.1.2.0/24' }, { subnet: '10.2.2.0/24' }], [{ subnet: '2001:db8:1::/64' }]],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.1.2.1' }],
      ...ipam,
    },
    ...extra,
  });

  describe('spec-version matrix, result and files identical to the reference', () => {
    for (const v of VERSIONS) {
      it(`${v}: ADD, CHECK, DEL, DEL again${at(v, '1.1.0') ? ', STATUS, GC' : ''}`, async function () {
        skipUnless(this, haveReference, `no ${REFERENCE}: install containernetworking-plugins (scripts/setup.sh)`);
        const ours = path.join(tmp, 'ours');
        const ref = path.join(tmp, 'ref');
        // Debian's reference (v1.1.1) stops at 1.0.0; 1.0.0 and 1.1.0 results share one shape.
        const refVersion = v === '1.1.0' ? '1.0.0' : v;
        const [a, b] = [await exec(OURS, 'ADD', config(v, ours)), await exec(REFERENCE, 'ADD', config(refVersion, ref))];
        assert.equal(a.code, 0, a.stdout + a.stderr);
        assert.equal(b.code, 0, b.stdout + b.stderr);
        assert.deepEqual(normalise(a.json), normalise({ ...b.json, cniVersion: v }));
        assert.equal(a.json?.cniVersion, v);
        if (at(v, '0.3.0')) {
          assert.deepEqual(a.json?.ips, [
            { ...(at(v, '1.0.0') ? {} : { version: '4' }), address: '10.1.2.2/24', gateway: '10.1.2.1' },
            { ...(at(v, '1.0.0') ? {} : { version: '6' }), address: '2001:db8:1::2/64', gateway: '2001:db8:1::1' },
          ]);
        } else {
          assert.deepEqual((a.json?.ip4 as { ip: string }).ip, '10.1.2.2/24');
          assert.deepEqual((a.json?.ip6 as { ip: string }).ip, '2001:db8:1::2/64');
        }
        const dir = path.join(ours, 'hlnet');
        const afterAdd = ['10.1.2.2: "c1\\r\\neth0"', '2001:db8:1::2: "c1\\r\\neth0"', 'last_reserved_ip.0: "10.1.2.2"', 'last_reserved_ip.1: "2001:db8:1::2"', 'lock: ""'];
        assert.deepEqual(snapshot(dir), afterAdd);
        assert.deepEqual(snapshot(path.join(ref, 'hlnet')), afterAdd);

        const check = await exec(OURS, 'CHECK', config(v, ours));
        if (at(v, '0.4.0')) assert.deepEqual([check.code, check.stdout], [0, '']);
        else assert.deepEqual([check.code, check.json?.code], [1, 1]);
        assert.deepEqual(snapshot(dir), afterAdd);

        if (at(v, '1.1.0')) {
          assert.deepEqual((await exec(OURS, 'STATUS', config(v, ours))).code, 0);
          const gc = await exec(OURS, 'GC', config(v, ours, {}, { 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'eth0' }] }));
          assert.deepEqual([gc.code, gc.stdout], [0, '']);
          assert.deepEqual(snapshot(dir), afterAdd);
        } else {
          assert.equal((await exec(OURS, 'GC', config(v, ours))).json?.code, 1);
        }

        for (let i = 0; i < 2; i++) {
          const del = await exec(OURS, 'DEL', config(v, ours));
          assert.deepEqual([del.code, del.stdout], [0, '']);
          assert.deepEqual(snapshot(dir), ['last_reserved_ip.0: "10.1.2.2"', 'last_reserved_ip.1: "2001:db8:1::2"', 'lock: ""']);
        }
      });
    }
  });

  describe('verbs', () => {
    it('GC releases what valid-attachments (or cni.dev/attachments) leaves out; keeps lock and cursors', async () => {
      for (const id of ['a', 'b', 'c']) assert.equal((await exec(OURS, 'ADD', config('1.1.0', tmp), { CNI_CONTAINERID: id })).code, 0);
      const gc = await exec(OURS, 'GC', config('1.1.0', tmp, {}, { 'cni.dev/attachments': [{ containerID: 'b', ifname: 'eth0' }] }));
      assert.deepEqual([gc.code, gc.stdout], [0, '']);
      assert.deepEqual(fs.readdirSync(path.join(tmp, 'hlnet')).sort(), ['10.1.2.3', '2001:db8:1::3', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
      await exec(OURS, 'GC', config('1.1.0', tmp, {}, { 'cni.dev/valid-attachments': [] }));
      assert.deepEqual(fs.readdirSync(path.join(tmp, 'hlnet')).sort(), ['last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    });

    it('STATUS reports code 50 on stdout when a range set is exhausted', async () => {
      const small = config('1.1.0', tmp, { ranges: [[{ subnet: '10.5.0.0/30' }]], routes: [{ dst: '0.0.0.0/0' }] });
      assert.equal((await exec(OURS, 'ADD', small)).code, 0);
      const st = await exec(OURS, 'STATUS', small);
      assert.equal(st.code, 1);
      assert.deepEqual(st.json, { cniVersion: '1.1.0', code: 50, msg: 'range set 0 (/ipam/ranges/0: 10.5.0.1-10.5.0.2) has no free address' });
      const add = await exec(OURS, 'ADD', small, { CNI_CONTAINERID: 'c2' });
      assert.deepEqual([add.json?.code, add.json?.msg], [100, 'failed to allocate for range 0: no IP addresses available in range set: 10.5.0.1-10.5.0.2']);
    });

    it('errors: config (7, naming the field), container ID (4), duplicate ADD (102), requested IP (101)', async () => {
      const bad = await exec(OURS, 'ADD', config('1.0.0', tmp, { ranges: [[{ subnet: '10.1.2.1/24' }]] }));
      assert.deepEqual(bad.json, { cniVersion: '1.0.0', code: 7, msg: 'invalid config: /ipam/ranges/0/0/subnet: Network has host bits set. For a subnet mask of length 24 the network address is 10.1.2.0' });
      const escape = await exec(OURS, 'ADD', { ...config('1.0.0', tmp), name: '../../etc' });
      assert.equal(escape.json?.code, 7);
      const id = await exec(OURS, 'ADD', config('1.0.0', tmp), { CNI_CONTAINERID: '../x' });
      assert.equal(id.json?.code, 4);
      assert.deepEqual(fs.readdirSync(tmp), []);
      assert.equal((await exec(OURS, 'ADD', config('1.0.0', tmp))).code, 0);
      assert.equal((await exec(OURS, 'ADD', config('1.0.0', tmp))).json?.code, 102);
      const req = await exec(OURS, 'ADD', config('1.0.0', tmp), { CNI_CONTAINERID: 'c2', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.1.2.2' });
      assert.deepEqual([req.json?.code, req.json?.msg], [101, 'failed to allocate for range 0: requested IP address 10.1.2.2 is not available in range set 10.1.2.1-10.1.2.254,10.2.2.1-10.2.2.254']);
      const ok = await exec(OURS, 'ADD', config('1.0.0', tmp), { CNI_CONTAINERID: 'c3', CNI_ARGS: 'IP=10.2.2.77' });
      assert.equal((ok.json?.ips as Array<{ address: string }>)[0]!.address, '10.2.2.77/24');
    });
  });

  describe('interop with the reference plugin on one store', () => {
    beforeEach(function () { skipUnless(this, haveReference, `no ${REFERENCE}: install containernetworking-plugins (scripts/setup.sh)`); });

    it('a store written by the reference is read, honoured and released by ours', async () => {
      const conf = config('1.0.0', tmp);
      await exec(REFERENCE, 'ADD', conf, { CNI_CONTAINERID: 'r1' });
      await exec(REFERENCE, 'ADD', conf, { CNI_CONTAINERID: 'r2' });
      const ours = await exec(OURS, 'ADD', conf, { CNI_CONTAINERID: 'o1' });
      assert.deepEqual((ours.json?.ips as Array<{ address: string }>).map((i) => i.address), ['10.1.2.4/24', '2001:db8:1::4/64']);
      assert.equal((await exec(OURS, 'ADD', conf, { CNI_CONTAINERID: 'r1' })).json?.code, 102);
      assert.equal((await exec(OURS, 'CHECK', conf, { CNI_CONTAINERID: 'r1' })).code, 0);
      assert.equal((await exec(OURS, 'DEL', conf, { CNI_CONTAINERID: 'r1' })).code, 0);
      assert.deepEqual(fs.readdirSync(path.join(tmp, 'hlnet')).sort(), ['10.1.2.3', '10.1.2.4', '2001:db8:1::3', '2001:db8:1::4', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    });

    it('a store written by ours is read, honoured and released by the reference', async () => {
      const conf = config('0.4.0', tmp);
      await exec(OURS, 'ADD', conf, { CNI_CONTAINERID: 'o1' });
      await exec(OURS, 'ADD', conf, { CNI_CONTAINERID: 'o2' });
      const ref = await exec(REFERENCE, 'ADD', conf, { CNI_CONTAINERID: 'r1' });
      assert.deepEqual((ref.json?.ips as Array<{ address: string }>).map((i) => i.address), ['10.1.2.4/24', '2001:db8:1::4/64']);
      assert.equal((await exec(REFERENCE, 'ADD', conf, { CNI_CONTAINERID: 'o1' })).code, 1); // duplicate
      assert.equal((await exec(REFERENCE, 'CHECK', conf, { CNI_CONTAINERID: 'o2' })).code, 0);
      assert.equal((await exec(REFERENCE, 'DEL', conf, { CNI_CONTAINERID: 'o2' })).code, 0);
      assert.equal((await exec(OURS, 'CHECK', conf, { CNI_CONTAINERID: 'r1' })).code, 0);
      assert.deepEqual(fs.readdirSync(path.join(tmp, 'hlnet')).sort(), ['10.1.2.2', '10.1.2.4', '2001:db8:1::2', '2001:db8:1::4', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    });

    it('both plugins in parallel respect one lock: 4 + 4 workers x 25 ADDs, no address twice', async () => {
      const conf = config('1.0.0', tmp, { ranges: [[{ subnet: '10.7.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] });
      const results = await Promise.all(Array.from({ length: 8 }, async (_, w) => {
        const got: string[] = [];
        for (let i = 0; i < 25; i++) {
          const r = await exec(w % 2 ? REFERENCE : OURS, 'ADD', conf, { CNI_CONTAINERID: `w${w}-${i}` });
          assert.equal(r.code, 0, r.stdout);
          got.push((r.json?.ips as Array<{ address: string }>)[0]!.address.split('/')[0]!);
        }
        return got;
      }));
      const all = results.flat();
      assert.equal(new Set(all).size, 200);
      assert.equal(fs.readdirSync(path.join(tmp, 'hlnet')).length, 202);
    });
  });

  describe('a dataDir that can never hold a store: ADD fails at once, code 7 naming ipam.dataDir (it hung under /proc)', () => {
    // No timing threshold: a hang is caught by the mocha timeout; the point is the code and message.
    const cases: [string, () => string, RegExp][] = [
      ['/proc (procfs: mkdir says ENOENT)', () => '/proc', /^invalid config: \/ipam\/dataDir: "\/proc" cannot hold the lease store: failed to create \/proc\/hlnet: ENOENT: no such file or directory, mkdir '\/proc\/hlnet'$/],
      ['/sys/kernel (sysfs: EPERM)', () => '/sys/kernel', /^invalid config: \/ipam\/dataDir: "\/sys\/kernel" cannot hold the lease store: failed to create \/sys\/kernel\/hlnet: EPERM: operation not permitted, mkdir '\/sys\/kernel\/hlnet'$/],
      ['a path through a regular file (ENOTDIR)', () => { fs.writeFileSync(path.join(tmp, 'file'), ''); return path.join(tmp, 'file', 'sub'); }, /cannot hold the lease store: failed to create .*\/file\/sub\/hlnet: ENOTDIR: not a directory/],
    ];
    for (const [name, dataDir, msg] of cases) {
      it(name, async () => {
        const d = dataDir();
        const r = await exec(OURS, 'ADD', config('1.0.0', d));
        assert.deepEqual([r.code, r.signal, r.json?.code], [1, null, 7], r.stdout + r.stderr);
        assert.match(String(r.json?.msg), msg);
        assert.equal(fs.existsSync(path.join(d, 'hlnet')), false);
        // DEL and GC of a store that never existed succeed without creating it.
        assert.equal((await exec(OURS, 'DEL', config('1.0.0', d))).code, 0);
        assert.equal((await exec(OURS, 'GC', { ...config('1.1.0', d), 'cni.dev/valid-attachments': [] })).code, 0);
        assert.equal(fs.existsSync(path.join(d, 'hlnet')), false);
      });
    }
  });

  it('concurrency: 8 workers x 200 ADDs then DELs, every address unique, the store equal to the results', async function () {
    this.timeout(900_000);
    const conf = config('1.1.0', tmp, { ranges: [[{ subnet: '10.64.0.0/20' }]], routes: [] });
    const workers = 8;
    const perWorker = 200;
    const each = (fn: (id: string) => Promise<void>) => Promise.all(Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; i < perWorker; i++) await fn(`w${w}-${i}`);
    }));
    const byId = new Map<string, string>();
    await each(async (id) => {
      const r = await exec(OURS, 'ADD', conf, { CNI_CONTAINERID: id });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      byId.set(id, (r.json?.ips as Array<{ address: string }>)[0]!.address.split('/')[0]!);
    });
    const dir = path.join(tmp, 'hlnet');
    assert.equal(new Set(byId.values()).size, workers * perWorker);
    const store = new Map(fs.readdirSync(dir).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip.'))
      .map((f) => [fs.readFileSync(path.join(dir, f), 'utf8'), f] as const));
    assert.deepEqual(store, new Map([...byId].map(([id, ip]) => [`${id}\r\neth0`, ip] as const)));
    await each(async (id) => {
      const r = await exec(OURS, 'DEL', conf, { CNI_CONTAINERID: id });
      assert.equal(r.code, 0, r.stdout + r.stderr);
    });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['last_reserved_ip.0', 'lock']);
  });

  it('SIGKILL at random instants never leaves a half-written or doubly held lease', async function () {
    this.timeout(300_000);
    const conf = config('1.1.0', tmp, { ranges: [[{ subnet: '10.9.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] });
    const dir = path.join(tmp, 'hlnet');
    assert.equal((await exec(OURS, 'ADD', conf, { CNI_CONTAINERID: 'seed' })).code, 0);
    // Spread the kills over start-up, config loading, the lock wait and the writes.
    const killed = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      exec(OURS, 'ADD', conf, { CNI_CONTAINERID: `k${i}` }, 30 + Math.random() * 400).then((r) => ({ id: `k${i}`, r }))));
    assert.ok(killed.some((k) => k.r.signal === 'SIGKILL'), 'no ADD was killed: the kill window missed');
    killed.push({ id: 'seed', r: { code: null, signal: null, stdout: '', stderr: '', json: undefined } });
    for (const f of fs.readdirSync(dir)) {
      if (f === 'lock' || f.startsWith('.berth-tmp.')) continue;
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      if (f.startsWith('last_reserved_ip.')) assert.match(text, /^10\.9\.0\.\d+$/);
      else assert.match(text, /^(k\d+|seed)\r\neth0$/, `lease ${f} holds ${JSON.stringify(text)}`);
    }
    // A finished ADD's address is on disk under its owner; then everything is released by DEL.
    for (const { id, r } of killed) {
      if (r.code === 0) {
        const ip = (r.json?.ips as Array<{ address: string }>)[0]!.address.split('/')[0]!;
        assert.equal(fs.readFileSync(path.join(dir, ip), 'utf8'), `${id}\r\neth0`);
      }
    }
    for (const { id } of killed) assert.equal((await exec(OURS, 'DEL', conf, { CNI_CONTAINERID: id })).code, 0);
    assert.equal((await exec(OURS, 'ADD', conf, { CNI_CONTAINERID: 'after' })).code, 0);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => !f.startsWith('last_reserved_ip.')).length, 2);
  });
});
