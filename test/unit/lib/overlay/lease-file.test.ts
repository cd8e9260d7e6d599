import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  LeaseFileError, leaseExpired, leaseFilePath, parseLeaseFile, readLeaseFile, removeLeaseFile, writeLeaseFile,
} from '../../../../lib/overlay/lease-file';

const LEASE = { name: 'ov', network: '10.244.0.0/16', subnet: '10.244.3.0/24', mtu: 1450, vni: 1, bridge: 'ovbr0', expiresAt: 2_000_000_000_000 };
const parse = (o: Record<string, unknown>) => parseLeaseFile(JSON.stringify(o), 'ov');
const refuses = (fn: () => unknown, msg: RegExp) => assert.throws(fn, (err: unknown) => err instanceof LeaseFileError && msg.test(err.message));

describe('lib/overlay/lease-file', () => {
  it('the path is <runDir>/overlay/<network>.json', () => assert.equal(leaseFilePath('/run/berth', 'ov'), '/run/berth/overlay/ov.json'));

  describe('parseLeaseFile', () => {
    it('reads a NodeLeaseFile', () => assert.deepEqual(parse(LEASE), LEASE));
    it('expiresAt is optional (a lease that never expires)', () => {
      const { expiresAt: _, ...rest } = LEASE;
      assert.deepEqual(parse(rest), rest);
    });
    it('unknown keys are dropped (berthd may add some)', () => assert.deepEqual(parse({ ...LEASE, vtepMac: 'x' }), LEASE));
    it('the MTU bounds are 68 (IPv4) and 65535 (a veth\'s most)', () => {
      assert.equal(parse({ ...LEASE, mtu: 68 }).mtu, 68);
      assert.equal(parse({ ...LEASE, mtu: 65535 }).mtu, 65535);
    });

    const bad: Array<[string, Record<string, unknown> | string, RegExp]> = [
      ['not JSON', '{', /^not JSON: /],
      ['not an object', '[1]', /^expected a JSON object \(got \[1\]\)$/],
      ['another network\'s file', { ...LEASE, name: 'other' }, /^\/name must be the network's name "ov" \(got "other"\)$/],
      ['network not a CIDR', { ...LEASE, network: '10.244.0.0' }, /^\/network must be an IPv4 CIDR/],
      ['subnet missing', { ...LEASE, subnet: undefined }, /^\/subnet must be an IPv4 CIDR .*\(got nothing\)$/],
      ['subnet not a string', { ...LEASE, subnet: 5 }, /^\/subnet must be an IPv4 CIDR .*\(got 5\)$/],
      ['subnet outside the network', { ...LEASE, subnet: '10.245.3.0/24' }, /^\/subnet must be a subnet of \/network "10\.244\.0\.0\/16"/],
      ['subnet larger than the network', { ...LEASE, subnet: '10.0.0.0/8' }, /^\/subnet must be a subnet of/],
      ['subnet of another family', { ...LEASE, subnet: 'fd00::/64' }, /^\/subnet must be an IPv4 CIDR/],
      ['subnet with host bits', { ...LEASE, subnet: '10.244.3.7/24' }, /^\/subnet must be a network address/],
      ['subnet too small', { ...LEASE, subnet: '10.244.3.0/31' }, /^\/subnet must be a subnet with room/],
      ['mtu too small for IPv4', { ...LEASE, mtu: 67 }, /^\/mtu must be an integer from 68 to 65535 \(got 67\)$/],
      ['mtu too large', { ...LEASE, mtu: 65536 }, /^\/mtu must be an integer from 68 to 65535 \(got 65536\)$/],
      ['mtu not an integer', { ...LEASE, mtu: '1450' }, /^\/mtu must be an integer/],
      ['vni 0', { ...LEASE, vni: 0 }, /^\/vni must be an integer from 1 to 16777215 \(got 0\)$/],
      ['bridge missing', { ...LEASE, bridge: undefined }, /^\/bridge must be an interface name/],
      ['bridge too long', { ...LEASE, bridge: 'a-very-long-bridge-name' }, /^\/bridge must be an interface name \(1-15 bytes/],
      ['bridge with a slash', { ...LEASE, bridge: 'a/b' }, /^\/bridge must be an interface name/],
      ['expiresAt not a number', { ...LEASE, expiresAt: 'soon' }, /^\/expiresAt must be a time in Unix milliseconds/],
    ];
    const DUAL = { ...LEASE, ipv6Network: 'fd00:10:244::/48', ipv6Subnet: 'fd00:10:244:3::/64' };
    it('reads a dual-stack file (ipv6Network and ipv6Subnet); a v4-only file has neither', () => {
      assert.deepEqual(parse(DUAL), DUAL);
      assert.equal('ipv6Subnet' in parse(LEASE), false);
    });
    const bad6: Array<[string, Record<string, unknown>, RegExp]> = [
      ['ipv6Subnet without ipv6Network', { ...LEASE, ipv6Subnet: 'fd00:10:244:3::/64' }, /^\/ipv6Network must be an IPv6 CIDR such as "fd00:10:244::\/48" \(got nothing\)$/],
      ['ipv6Network without ipv6Subnet', { ...LEASE, ipv6Network: 'fd00:10:244::/48' }, /^\/ipv6Subnet must be an IPv6 CIDR .*\(got nothing\)$/],
      ['an IPv4 ipv6Subnet', { ...DUAL, ipv6Subnet: '10.244.3.0/24' }, /^\/ipv6Subnet must be an IPv6 CIDR/],
      ['ipv6Subnet outside ipv6Network', { ...DUAL, ipv6Subnet: 'fd00:10:245:3::/64' }, /^\/ipv6Subnet must be a subnet of \/ipv6Network "fd00:10:244::\/48"/],
      ['ipv6Subnet with host bits', { ...DUAL, ipv6Subnet: 'fd00:10:244:3::1/64' }, /^\/ipv6Subnet must be a network address/],
      ['an MTU below IPv6\'s 1280', { ...DUAL, mtu: 1279 }, /^\/mtu must be at least 1280 on a dual-stack lease .*\(got 1279\)$/],
    ];
    for (const [what, doc, msg] of bad6) it(`refuses: ${what}`, () => refuses(() => parse(doc), msg));
    for (const [what, doc, msg] of bad) {
      it(`refuses: ${what}`, () => refuses(() => (typeof doc === 'string' ? parseLeaseFile(doc, 'ov') : parse(doc)), msg));
    }
  });

  describe('files', () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lease-file-')); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('write then read: the same lease, mode 0644, no temp file left', async () => {
      await writeLeaseFile(dir, LEASE);
      const file = leaseFilePath(dir, 'ov');
      assert.deepEqual(readLeaseFile(file, 'ov'), LEASE);
      assert.equal(fs.statSync(file).mode & 0o777, 0o644 & ~process.umask());
      assert.deepEqual(fs.readdirSync(path.dirname(file)), ['ov.json']);
    });
    it('a write replaces the file and sweeps a killed writer\'s temp file', async () => {
      await writeLeaseFile(dir, LEASE);
      fs.writeFileSync(path.join(dir, 'overlay', '.ov.json.tmp-0123456789ab'), '{"na');
      await writeLeaseFile(dir, { ...LEASE, subnet: '10.244.4.0/24' });
      assert.equal(readLeaseFile(leaseFilePath(dir, 'ov'), 'ov')!.subnet, '10.244.4.0/24');
      assert.deepEqual(fs.readdirSync(path.join(dir, 'overlay')), ['ov.json']);
    });
    it('a lease the plugin would refuse is not written', async () => {
      await assert.rejects(writeLeaseFile(dir, { ...LEASE, mtu: 50 }), (err: unknown) => err instanceof LeaseFileError && /\/mtu must be/.test(err.message));
      assert.equal(fs.existsSync(leaseFilePath(dir, 'ov')), false);
    });
    it('no file, or no overlay directory either: undefined', () => {
      assert.equal(readLeaseFile(leaseFilePath(dir, 'ov'), 'ov'), undefined);
      fs.writeFileSync(path.join(dir, 'overlay'), '');
      assert.equal(readLeaseFile(leaseFilePath(dir, 'ov'), 'ov'), undefined, 'ENOTDIR');
    });
    it('a directory in its place cannot be read', () => {
      fs.mkdirSync(leaseFilePath(dir, 'ov'), { recursive: true });
      refuses(() => readLeaseFile(leaseFilePath(dir, 'ov'), 'ov'), /^cannot read it: EISDIR/);
    });
    it('remove: gone, and missing is fine', async () => {
      await writeLeaseFile(dir, LEASE);
      await removeLeaseFile(dir, 'ov');
      assert.equal(fs.existsSync(leaseFilePath(dir, 'ov')), false);
      await removeLeaseFile(dir, 'ov');
    });
  });

  it('leaseExpired: only an expiresAt in the past', () => {
    assert.equal(leaseExpired(LEASE, LEASE.expiresAt - 1), false);
    assert.equal(leaseExpired(LEASE, LEASE.expiresAt), true);
    const { expiresAt: _, ...forever } = LEASE;
    assert.equal(leaseExpired(forever, Number.MAX_SAFE_INTEGER), false);
  });
});
