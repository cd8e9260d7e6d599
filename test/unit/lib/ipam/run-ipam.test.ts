import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CniError, type NetConf } from '../../../../lib/cni';
import { isLocalHostLocal, runIpamAdd } from '../../../../lib/ipam/run-ipam';

describe('lib/ipam/run-ipam: in-process or exec', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-run-ipam-'));
    fs.mkdirSync(path.join(dir, 'ours'));
    fs.mkdirSync(path.join(dir, 'ref'));
    fs.writeFileSync(path.join(dir, 'ours', 'host-local'), '#!/usr/bin/env node\n// berth-plugin host-local\n', { mode: 0o755 });
    fs.writeFileSync(path.join(dir, 'ref', 'host-local'), '\x7fELF reference binary', { mode: 0o755 });
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('our host-local bundle first in CNI_PATH runs in-process', () => {
    assert.equal(isLocalHostLocal('host-local', [path.join(dir, 'ours'), path.join(dir, 'ref')]), true);
  });
  it('a reference binary first in CNI_PATH is exec\'d', () => {
    assert.equal(isLocalHostLocal('host-local', [path.join(dir, 'ref'), path.join(dir, 'ours')]), false);
  });
  it('the marker decides, not the name: our host-local under another name is what exec would run', () => {
    fs.copyFileSync(path.join(dir, 'ours', 'host-local'), path.join(dir, 'ours', 'static'));
    assert.equal(isLocalHostLocal('static', [path.join(dir, 'ours')]), true);
    fs.writeFileSync(path.join(dir, 'ours', 'dhcp'), '#!/usr/bin/env node\n// berth-plugin bridge\n', { mode: 0o755 });
    assert.equal(isLocalHostLocal('dhcp', [path.join(dir, 'ours')]), false, 'another of our plugins is exec\'d');
  });
  it('a type that is nowhere in CNI_PATH is code 7, an empty CNI_PATH code 4', () => {
    assert.throws(() => isLocalHostLocal('dhcp', [path.join(dir, 'ref')]), (e: unknown) => e instanceof CniError && e.code === 7);
    assert.throws(() => isLocalHostLocal('host-local', []), (e: unknown) => e instanceof CniError && e.code === 4);
  });
  it('in-process, the config meets the host-local executable\'s schema first (its code 7 and message)', async () => {
    const config = { cniVersion: '1.1.0', name: 'net1', type: 'macvlan', ipam: { type: 'host-local', subnet: 5 } } as unknown as NetConf;
    const args = { path: [path.join(dir, 'ours')], stdinData: Buffer.from(JSON.stringify(config)), env: {}, config, containerID: 'c1', ifName: 'eth0', args: '' };
    await assert.rejects(runIpamAdd('host-local', args), (e: unknown) => e instanceof CniError && e.code === 7 && e.message === 'invalid config: /ipam/subnet must be string,null (got 5)');
  });
});
