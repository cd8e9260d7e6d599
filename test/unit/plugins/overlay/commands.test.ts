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
      assert.match(r.json.msg, /invalid lease file .*\/network must be an IPv4 CIDR/);
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
    // Before, /proc hung in Node's recursive mkdir and a file in the way was code 999 with a raw errno.
    for (const [name, dataDir, errno] of [['/proc', '/proc', 'ENOENT'], ['a path through a regular file', '', 'ENOTDIR']] as const) {
      it(`7 naming /dataDir at once when it cannot hold the attachment configs: ${name} (${errno})`, async () => {
        writeLease();
        const file = path.join(dir, 'file');
        fs.writeFileSync(file, '');
        const d = dataDir || path.join(file, 'sub');
        const r = await run('ADD', conf({ dataDir: d }));
        assert.deepEqual([r.code, r.json.code], [1, 7], r.stdout);
        assert.match(r.json.msg, new RegExp(`^invalid config: /dataDir: ${JSON.stringify(d)} cannot hold the attachment configs: failed to write ${d}/\\.overlay-scratch/ov:.*: ${errno}: `));
      });
    }
    it('11 without a lease file: try again later', async () => {
      const r = await run('ADD');
      assert.deepEqual([r.code, r.json.code], [1, 11]);
      assert.match(r.json.msg, /^try again later: berthd holds no lease for network "ov"/);
      assert.equal(fs.existsSync(path.join(dir, 'data', '.overlay-scratch')), false, 'no delegate config stored');
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
      assert.deepEqual(fs.readdirSync(path.join(dir, 'data', '.overlay-scratch')), [], 'the stored config is undone');
    });
  });

  describe('ADD of an attachment that has a stored config (finding 6)', () => {
    const stored = { cniVersion: '1.1.0', name: 'ov', type: 'bridge', bridge: 'live' };
    const scratchDir = () => path.join(dir, 'data', '.overlay-scratch');
    const legacyDir = () => path.join(dir, 'data', 'overlay');
    /** A bridge delegate whose ADD succeeds and whose DEL fails. */
    const fakeBridge = (delFails: boolean) => fs.writeFileSync(path.join(binDir, 'bridge'), [
      '#!/bin/sh', 'cat >/dev/null',
      'if [ "$CNI_COMMAND" = ADD ]; then echo \'{"cniVersion":"1.1.0","interfaces":[],"ips":[]}\'; exit 0; fi',
      delFails ? 'echo \'{"cniVersion":"1.1.0","code":11,"msg":"DEL broke"}\'; exit 1' : 'exit 0', '',
    ].join('\n'), { mode: 0o755 });

    for (const where of ['current', 'legacy'] as const) {
      it(`is refused with 121 and leaves the ${where} config intact`, async () => {
        writeLease();
        const [d, f] = where === 'current' ? [scratchDir(), 'ov:c1-eth0.json'] : [legacyDir(), 'c1-eth0.json'];
        fs.mkdirSync(d, { recursive: true });
        fs.writeFileSync(path.join(d, f), JSON.stringify(stored));
        const r = await run('ADD');
        assert.equal(r.json.code, 121, r.stdout);
        assert.match(r.json.msg, /container c1 is already attached to network "ov" as eth0 \(.*c1-eth0\.json exists\): DEL it first/);
        assert.deepEqual(JSON.parse(fs.readFileSync(path.join(d, f), 'utf8')), stored);
      });
    }

    it('another network\'s attachment of the same container and ifname is not touched', async () => {
      writeLease();
      fs.mkdirSync(legacyDir(), { recursive: true });
      fs.writeFileSync(path.join(legacyDir(), 'c1-eth0.json'), JSON.stringify({ ...stored, name: 'other' }));
      const r = await run('ADD'); // no bridge in CNI_PATH: fails after storing ours, and undoes it
      assert.equal(r.json.code, 7);
      assert.equal(JSON.parse(fs.readFileSync(path.join(legacyDir(), 'c1-eth0.json'), 'utf8')).name, 'other');
      assert.deepEqual(fs.readdirSync(scratchDir()), []);
    });

    it('a failed ADD keeps its config when the delegate\'s DEL failed, and removes it when it worked', async () => {
      writeLease();
      fakeBridge(true);
      const env = { CNI_COMMAND: 'ADD', CNI_PATH: binDir, BERTH_TEST_FAIL_AFTER: 'overlay-delegate' };
      assert.notEqual((await dispatch(FUNCS, 'overlay', env, conf())).code, 0);
      assert.deepEqual(fs.readdirSync(scratchDir()), ['ov:c1-eth0.json'], 'kept for the runtime\'s DEL');
      fs.rmSync(path.join(scratchDir(), 'ov:c1-eth0.json'));
      fakeBridge(false);
      assert.notEqual((await dispatch(FUNCS, 'overlay', env, conf())).code, 0);
      assert.deepEqual(fs.readdirSync(scratchDir()), []);
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
