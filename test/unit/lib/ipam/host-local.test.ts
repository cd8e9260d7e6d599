import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatResultAddresses } from '../../../../lib/cni/parsed-result';
import {
  ipamAdd as ipamAddParsed, ipamCheck, ipamDel, ipamGc, ipamStatus, resolveHostLocalConfig,
  type HostLocalConfig, type HostLocalNetConf, type Owner,
} from '../../../../lib/ipam/host-local';
import { expectCniAsync } from './expect-cni';
import { FakeStore } from './fake-store';

/** ADD with the result in its wire form, as the host-local executable prints it. */
const ipamAdd = async (...args: Parameters<typeof ipamAddParsed>) => formatResultAddresses(await ipamAddParsed(...args));
const eth0 = (id: string): Owner => ({ containerID: id, ifname: 'eth0' });

describe('lib/ipam/host-local (in-process API over a disk store)', () => {
  let dataDir: string;
  let dir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ipam-unit-'));
    dir = path.join(dataDir, 'net1');
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const conf = (ipam: Record<string, unknown>, extra: Record<string, unknown> = {}, cniArgsIP?: string): HostLocalConfig =>
    resolveHostLocalConfig({ cniVersion: '1.1.0', name: 'net1', ipam: { dataDir, ...ipam }, ...extra } as HostLocalNetConf, cniArgsIP);
  const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
  const read = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8');

  it('ADD: the reference dual-stack example, file for file', async () => {
    const resolv = path.join(dataDir, 'resolv.conf');
    fs.writeFileSync(resolv, '# c\nnameserver 192.0.2.1\nnameserver 192.0.2.2\ndomain example.com\nsearch a.example b.example\noptions ndots:2 rotate\n;x\n');
    const c = conf({
      resolvConf: resolv,
      routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.1.2.1' }],
      ranges: [[{ subnet: '10.1.2.0/24' }, { subnet: '10.2.2.0/24' }], [{ subnet: '2001:db8:1::/64' }]],
    });
    const result = await ipamAdd(c, eth0('dummy'));
    assert.deepEqual(result, {
      cniVersion: '1.1.0',
      ips: [{ address: '10.1.2.2/24', gateway: '10.1.2.1' }, { address: '2001:db8:1::2/64', gateway: '2001:db8:1::1' }],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '192.168.0.0/16', gw: '10.1.2.1' }],
      dns: { nameservers: ['192.0.2.1', '192.0.2.2'], domain: 'example.com', search: ['a.example', 'b.example'], options: ['ndots:2', 'rotate'] },
    });
    assert.deepEqual(files(), ['10.1.2.2', '2001:db8:1::2', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    assert.equal(read('10.1.2.2'), 'dummy\r\neth0');
    assert.equal(read('last_reserved_ip.1'), '2001:db8:1::2');
  });

  it('ADD: an unreadable resolvConf fails with code 7 before touching the store', async () => {
    await expectCniAsync(ipamAdd(conf({ subnet: '10.0.0.0/24', resolvConf: path.join(dataDir, 'nope') }), eth0('c1')), 7,
      /^invalid config: \/ipam\/resolvConf: cannot read .*nope: ENOENT/);
    assert.deepEqual(files(), []);
  });

  it('ADD: a later range set failing releases what this call took, and only that', async () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '10.9.0.2'), 'c1\r\neth1'); // c1's other interface keeps its lease
    fs.writeFileSync(path.join(dir, '10.8.0.2'), 'other\r\neth0'); // set 1 is full
    const c = conf({ ranges: [[{ subnet: '10.9.0.0/24' }], [{ subnet: '10.8.0.0/30' }]] });
    await expectCniAsync(ipamAdd(c, eth0('c1')), 100, 'failed to allocate for range 1: no IP addresses available in range set: 10.8.0.1-10.8.0.2');
    assert.deepEqual(files(), ['10.8.0.2', '10.9.0.2', 'last_reserved_ip.0', 'lock']);
  });

  it('ADD: requested IPs from every source; one left over fails with code 101 and nothing is kept', async () => {
    const ok = conf({ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '2001:db8::/64' }]] },
      { runtimeConfig: { ips: ['2001:db8::99/64'] } }, '10.1.0.50');
    assert.deepEqual((await ipamAdd(ok, eth0('c1'))).ips, [{ address: '10.1.0.50/24', gateway: '10.1.0.1' }, { address: '2001:db8::99/64', gateway: '2001:db8::1' }]);
    const bad = conf({ subnet: '10.1.0.0/24' }, { args: { cni: { ips: ['10.1.0.60', '10.7.7.7'] } } });
    await expectCniAsync(ipamAdd(bad, eth0('c2')), 101, 'failed to allocate all requested IPs: 10.7.7.7');
    assert.ok(!files().includes('10.1.0.60'));
  });

  it('ADD: container ID and ifname that are not CNI names are refused with code 4', async () => {
    const c = conf({ subnet: '10.1.0.0/24' });
    for (const id of ['../x', 'a/b', 'a\u0000b', '', '-x', 'a\r\nb']) {
      await expectCniAsync(ipamAdd(c, eth0(id)), 4,
        `invalid characters in containerID: CNI_CONTAINERID ${JSON.stringify(id)} must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`);
    }
    for (const ifname of ['', '..', 'eth0\r\nx', 'a/b', 'a:b', 'x'.repeat(16)]) {
      await expectCniAsync(ipamAdd(c, { containerID: 'c1', ifname }), 4, /^invalid interface name: CNI_IFNAME /);
    }
    assert.deepEqual(files(), []);
  });

  it('DEL: releases the attachment, is idempotent, creates nothing, keeps the rest', async () => {
    const c = conf({ subnet: '10.1.0.0/24' });
    await ipamDel(c, eth0('c1'));
    assert.equal(fs.existsSync(dir), false);
    await ipamAdd(c, eth0('c1'));
    await ipamAdd(c, { containerID: 'c1', ifname: 'eth1' });
    await ipamDel(c, eth0('c1'));
    await ipamDel(c, eth0('c1'));
    assert.deepEqual(files(), ['10.1.0.3', 'last_reserved_ip.0', 'lock']);
  });

  it('DEL: falls back to legacy container-ID-only leases', async () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '10.1.0.7'), ' c1 \n');
    await ipamDel(conf({ subnet: '10.1.0.0/24' }), eth0('c1'));
    assert.deepEqual(files(), ['lock']);
  });

  it('CHECK: passes with the lease, fails with code 103 without it or when prevResult disagrees', async () => {
    const c = conf({ subnet: '10.1.0.0/24' });
    await expectCniAsync(ipamCheck(c, eth0('c1')), 103, 'host-local: Failed to find address added by container c1');
    await ipamAdd(c, eth0('c1'));
    await ipamCheck(c, eth0('c1'), { cniVersion: '1.1.0', ips: [{ address: '10.1.0.2/24' }, { address: '192.168.9.9/24' }] });
    await expectCniAsync(ipamCheck(c, eth0('c1'), { cniVersion: '1.1.0', ips: [{ address: '10.1.0.3/24' }] }), 103,
      'host-local: address 10.1.0.3 in prevResult is not leased to c1/eth0');
  });

  it('GC: releases leases of attachments not listed, keeps lock and cursors, honours legacy leases', async () => {
    const c = conf({ subnet: '10.1.0.0/24' });
    for (const id of ['a', 'b', 'c']) await ipamAdd(c, eth0(id));
    fs.writeFileSync(path.join(dir, '10.1.0.100'), 'legacy');
    fs.writeFileSync(path.join(dir, '10.1.0.101'), '');
    await ipamGc(c, undefined); // no key at all: nothing is known to be stale
    assert.equal(files().length, 7);
    await ipamGc(c, [{ containerID: 'b', ifname: 'eth0' }, { containerID: 'legacy', ifname: 'net1' }, { containerID: 'a', ifname: 'eth1' }]);
    assert.deepEqual(files(), ['10.1.0.100', '10.1.0.3', 'last_reserved_ip.0', 'lock']);
    await ipamGc(c, []);
    assert.deepEqual(files(), ['last_reserved_ip.0', 'lock']);
  });

  it('a foreign entry at an address name is taken for ADD and STATUS and left alone by GC', async () => {
    const c = conf({ subnet: '10.1.0.0/29', rangeStart: '10.1.0.2', rangeEnd: '10.1.0.3' });
    fs.mkdirSync(path.join(dir, '10.1.0.2'), { recursive: true });
    const r = await ipamAdd(c, eth0('a'));
    assert.deepEqual((r.ips ?? []).map((ip) => ip.address), ['10.1.0.3/29']);
    await expectCniAsync(ipamStatus(c), 50, /has no free address/);
    await ipamGc(c, []);
    assert.deepEqual(files(), ['10.1.0.2', 'last_reserved_ip.0', 'lock']);
  });

  it('STATUS: code 50 when a range set has no free address', async () => {
    const c = conf({ ranges: [[{ subnet: '10.1.0.0/24' }], [{ subnet: '10.2.0.0/29', rangeStart: '10.2.0.2', rangeEnd: '10.2.0.3' }]] });
    await ipamStatus(c);
    await ipamAdd(c, eth0('a'));
    await ipamStatus(c);
    await ipamAdd(c, eth0('b'));
    await expectCniAsync(ipamStatus(c), 50, 'range set 1 (/ipam/ranges/1: 10.2.0.2-10.2.0.3) has no free address');
    await expectCniAsync(ipamStatus(conf({ subnet: '10.3.0.0/29', exclude: ['10.3.0.0/29'] })), 50,
      'range set 0 (/ipam/subnet: 10.3.0.1-10.3.0.6) has no free address');
  });

  it('a busy lock surfaces as code 11 and nothing is changed', async () => {
    const store = new FakeStore();
    store.lockBusy = true;
    await expectCniAsync(ipamAdd(conf({ subnet: '10.1.0.0/24' }), eth0('c1'), { store }), 11, 'failed to lock fake: busy');
    assert.equal(store.files.size, 0);
  });
});
