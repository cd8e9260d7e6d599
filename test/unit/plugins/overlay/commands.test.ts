// The overlay verbs behind the real dispatcher, with no privileges: everything that is decided
// before the bridge delegate is exec'd (lease file, STATUS, idempotent DEL, CHECK and GC without
// attachments). The delegation itself is proven by the integration tests.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cmdAdd } from '../../../../plugins/overlay/add';
import { cmdCheck } from '../../../../plugins/overlay/check';
import { cmdDel } from '../../../../plugins/overlay/del';
import { cmdGc } from '../../../../plugins/overlay/gc';
import { cmdStatus } from '../../../../plugins/overlay/status';
import { dispatch } from '../../../helpers/unit-plugin';

const FUNCS = { add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus };

describe('plugins/overlay commands (dispatcher, no delegate)', () => {
  let dir: string;
  let binDir: string;
  let leaseFile: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovl-cmd-'));
    leaseFile = path.join(dir, 'run', 'overlay', 'ov.json');
    fs.mkdirSync(path.dirname(leaseFile), { recursive: true });
    // A host-local marked as berth's own: the IPAM STATUS then runs in-process (lib/cni/berth-plugin).
    binDir = path.join(dir, 'bin');
    fs.mkdirSync(binDir);
    fs.writeFileSync(path.join(binDir, 'host-local'), '#!/usr/bin/env node\n// berth-plugin host-local\n', { mode: 0o755 });
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const conf = (extra: Record<string, unknown> = {}) => ({ cniVersion: '1.1.0', name: 'ov', type: 'overlay', runDir: path.join(dir, 'run'), dataDir: path.join(dir, 'data'), ...extra });
  const writeLease = (extra: Record<string, unknown> = {}) =>
    fs.writeFileSync(leaseFile, JSON.stringify({ name: 'ov', network: '10.244.0.0/16', subnet: '10.244.3.0/24', mtu: 1450, vni: 1, bridge: 'ovbr0', ...extra }));
  const run = (command: string, c: object = conf()) => dispatch(FUNCS, 'overlay', { CNI_COMMAND: command, CNI_PATH: binDir }, c);

  describe('STATUS', () => {
    it('50 without a lease file, naming the network and the file', async () => {
      const r = await run('STATUS');
      assert.equal(r.code, 1);
      assert.equal(r.json.code, 50);
      assert.equal(r.json.msg, `berthd holds no lease for network "ov" (no ${leaseFile})`);
    });
    it('50 with an expired lease', async () => {
      writeLease({ expiresAt: Date.now() - 1000 });
      const r = await run('STATUS');
      assert.equal(r.json.code, 50);
      assert.match(r.json.msg, /the lease of network "ov" in .* expired at \d{4}-.*: is berthd running\?/);
    });
    it('50 with an invalid lease file', async () => {
      fs.writeFileSync(leaseFile, '{"name":"ov"}');
      const r = await run('STATUS');
      assert.equal(r.json.code, 50);
      assert.match(r.json.msg, /invalid lease file .*\/network must be a CIDR/);
    });
    it('success with a live lease: the IPAM has addresses left', async () => {
      writeLease({ expiresAt: Date.now() + 60_000 });
      assert.deepEqual(await run('STATUS'), { code: 0, json: undefined, stdout: '' });
    });
    it('the IPAM\'s 50 when the node\'s subnet is exhausted', async () => {
      writeLease({ subnet: '10.244.3.0/30' });
      fs.mkdirSync(path.join(dir, 'data', 'ov'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'data', 'ov', '10.244.3.2'), 'c9\r\neth0');
      const r = await run('STATUS');
      assert.equal(r.json.code, 50, r.stdout);
    });
    it('needs spec 1.1.0 (code 1 below)', async () => {
      writeLease();
      assert.equal((await run('STATUS', conf({ cniVersion: '1.0.0' }))).json.code, 1);
    });
  });

  describe('ADD before the delegate', () => {
    it('11 without a lease file: try again later', async () => {
      const r = await run('ADD');
      assert.deepEqual([r.code, r.json.code], [1, 11]);
      assert.match(r.json.msg, /^try again later: berthd holds no lease for network "ov"/);
      assert.equal(fs.existsSync(path.join(dir, 'data', 'overlay')), false, 'no delegate config stored');
    });
    it('11 with an expired lease', async () => {
      writeLease({ expiresAt: 1000 });
      const r = await run('ADD');
      assert.equal(r.json.code, 11);
      assert.match(r.json.msg, /lease expired at 1970-01-01T00:00:01\.000Z in /);
    });
    it('120 for an invalid lease file', async () => {
      writeLease({ bridge: '' });
      assert.equal((await run('ADD')).json.code, 120);
    });
    it('7 for an invalid config, naming the key', async () => {
      const r = await run('ADD', conf({ runDir: 'relative' }));
      assert.deepEqual([r.json.code, r.json.msg], [7, 'invalid config: /runDir: must be an absolute path (got "relative")']);
    });
    it('the delegate\'s absence from CNI_PATH is reported (7), and nothing is left behind', async () => {
      writeLease();
      const r = await run('ADD');
      assert.equal(r.json.code, 7);
      assert.match(r.json.msg, /failed to find plugin "bridge" in path/);
      assert.deepEqual(fs.readdirSync(path.join(dir, 'data', 'overlay')), [], 'the stored config is undone');
    });
  });

  it('DEL with no stored config and ipMasq off succeeds, twice, without the lease file or a netns', async () => {
    for (let i = 0; i < 2; i++) assert.equal((await dispatch(FUNCS, 'overlay', { CNI_COMMAND: 'DEL', CNI_NETNS: '', CNI_PATH: binDir }, conf({ ipMasq: false }))).code, 0);
  });

  it('CHECK without an attachment is 114', async () => {
    writeLease();
    const r = await run('CHECK', { ...conf(), prevResult: { cniVersion: '1.1.0' } });
    assert.equal(r.json.code, 114);
    assert.match(r.json.msg, /no attachment of network "ov" for c1\/eth0/);
  });

  it('GC with no lease and no attachment has nothing to forward (and, without a valid list, nothing to collect)', async () => {
    const r = await run('GC', conf());
    assert.equal(r.code, 0, r.stdout);
  });
});
