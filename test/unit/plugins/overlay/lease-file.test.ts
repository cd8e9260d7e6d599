import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { leaseExpired, parseLeaseFile, readLeaseFile } from '../../../../plugins/overlay/lease-file';
import { throwsCni } from '../../../helpers/unit-plugin';

const LEASE = { name: 'ov', network: '10.244.0.0/16', subnet: '10.244.3.0/24', mtu: 1450, vni: 1, bridge: 'ovbr0', expiresAt: 2_000_000_000_000 };
const parse = (o: Record<string, unknown>) => parseLeaseFile(JSON.stringify(o), '/run/berth/overlay/ov.json', 'ov');

describe('plugins/overlay/lease-file', () => {
  it('reads a NodeLeaseFile', () => assert.deepEqual(parse(LEASE), LEASE));
  it('expiresAt is optional (a lease that never expires)', () => {
    const { expiresAt: _, ...rest } = LEASE;
    assert.deepEqual(parse(rest), rest);
  });
  it('unknown keys are ignored (berthd may add some)', () => assert.deepEqual(parse({ ...LEASE, vtepMac: 'x' }), LEASE));

  const bad: Array<[string, Record<string, unknown> | string, RegExp]> = [
    ['not JSON', '{', /invalid lease file \/run\/berth\/overlay\/ov\.json: not JSON/],
    ['not an object', '[1]', /expected a JSON object/],
    ['another network\'s file', { ...LEASE, name: 'other' }, /\/name must be the network's name "ov" \(got "other"\)/],
    ['network not a CIDR', { ...LEASE, network: '10.244.0.0' }, /\/network must be a CIDR/],
    ['subnet missing', { ...LEASE, subnet: undefined }, /\/subnet must be a CIDR .*\(got nothing\)/],
    ['subnet outside the network', { ...LEASE, subnet: '10.245.3.0/24' }, /\/subnet must be a subnet of \/network "10\.244\.0\.0\/16"/],
    ['subnet larger than the network', { ...LEASE, subnet: '10.0.0.0/8' }, /\/subnet must be a subnet of/],
    ['subnet of another family', { ...LEASE, subnet: 'fd00::/64' }, /\/subnet must be a subnet of/],
    ['subnet with host bits', { ...LEASE, subnet: '10.244.3.7/24' }, /\/subnet must be a network address/],
    ['subnet too small', { ...LEASE, subnet: '10.244.3.0/31' }, /\/subnet must be a subnet with room/],
    ['mtu too small', { ...LEASE, mtu: 67 }, /\/mtu must be an integer from 68 to 65535 \(got 67\)/],
    ['mtu not an integer', { ...LEASE, mtu: '1450' }, /\/mtu must be an integer/],
    ['vni 0', { ...LEASE, vni: 0 }, /\/vni must be an integer from 1 to 16777215 \(got 0\)/],
    ['bridge missing', { ...LEASE, bridge: undefined }, /\/bridge must be an interface name/],
    ['bridge too long', { ...LEASE, bridge: 'a-very-long-bridge-name' }, /\/bridge must be an interface name \(1-15 bytes/],
    ['bridge with a slash', { ...LEASE, bridge: 'a/b' }, /\/bridge must be an interface name/],
    ['expiresAt not a number', { ...LEASE, expiresAt: 'soon' }, /\/expiresAt must be a time in Unix milliseconds/],
  ];
  for (const [what, doc, msg] of bad) {
    it(`code 120: ${what}`, () => throwsCni(() => (typeof doc === 'string' ? parseLeaseFile(doc, '/run/berth/overlay/ov.json', 'ov') : parse(doc)), 120, msg));
  }

  describe('readLeaseFile', () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovl-lease-')); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it('a missing file is code 11, "try again later", naming the network and the file', () => {
      const file = path.join(dir, 'overlay', 'ov.json');
      throwsCni(() => readLeaseFile(file, 'ov'), 11, new RegExp(`^try again later: berthd holds no lease for network "ov" \\(no ${file}\\)$`));
    });
    it('reads the file', () => {
      fs.writeFileSync(path.join(dir, 'ov.json'), JSON.stringify(LEASE));
      assert.deepEqual(readLeaseFile(path.join(dir, 'ov.json'), 'ov'), LEASE);
    });
    it('a directory in its place is code 120', () => {
      fs.mkdirSync(path.join(dir, 'ov.json'));
      throwsCni(() => readLeaseFile(path.join(dir, 'ov.json'), 'ov'), 120, /cannot read it: EISDIR/);
    });
  });

  it('leaseExpired: only an expiresAt in the past', () => {
    assert.equal(leaseExpired(parse(LEASE), LEASE.expiresAt - 1), false);
    assert.equal(leaseExpired(parse(LEASE), LEASE.expiresAt), true);
    const { expiresAt: _, ...forever } = LEASE;
    assert.equal(leaseExpired(parse(forever), Number.MAX_SAFE_INTEGER), false);
  });
});
