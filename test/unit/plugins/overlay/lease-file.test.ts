import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLeaseFile } from '../../../../plugins/overlay/lease-file';
import { throwsCni } from '../../../helpers/unit-plugin';

const LEASE = { name: 'ov', network: '10.244.0.0/16', subnet: '10.244.3.0/24', mtu: 1450, vni: 1, bridge: 'ovbr0', expiresAt: 2_000_000_000_000 };

// The rules are lib/overlay/lease-file's (its unit test); here, how the plugin reports a file they refuse.
describe('plugins/overlay/lease-file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovl-lease-'));
    file = path.join(dir, 'ov.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

  it('reads the file', () => {
    fs.writeFileSync(file, JSON.stringify({ ...LEASE, vtepMac: 'x' }));
    assert.deepEqual(readLeaseFile(file, 'ov'), LEASE);
  });
  it('a missing file is code 11, "try again later", naming the network and the file', () => {
    const missing = path.join(dir, 'overlay', 'ov.json');
    throwsCni(() => readLeaseFile(missing, 'ov'), 11, new RegExp(`^try again later: berthd holds no lease for network "ov" \\(no ${esc(missing)}\\)$`));
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{', /: not JSON: /],
    ['another network\'s file', JSON.stringify({ ...LEASE, name: 'other' }), /: \/name must be the network's name "ov" \(got "other"\)$/],
    ['an MTU too small for IPv4', JSON.stringify({ ...LEASE, mtu: 67 }), /: \/mtu must be an integer from 68 to 65535 \(got 67\)$/],
  ];
  for (const [what, text, msg] of bad) {
    it(`code 120 naming the file: ${what}`, () => {
      fs.writeFileSync(file, text);
      throwsCni(() => readLeaseFile(file, 'ov'), 120, new RegExp(`^invalid lease file ${esc(file)}${msg.source}`));
    });
  }
  it('a directory in its place is code 120', () => {
    fs.mkdirSync(file);
    throwsCni(() => readLeaseFile(file, 'ov'), 120, /cannot read it: EISDIR/);
  });
});
