import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureVtepMac, isUnicastMac, loadVtepMac, randomVtepMac, vtepMacPath } from '../../../../../lib/overlay/datapath/vtep-mac';

describe('overlay datapath: VTEP MAC', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vtep-mac-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('makes locally administered unicast MACs', () => {
    assert.equal(randomVtepMac(() => Buffer.from([0xff, 1, 2, 3, 4, 5])), 'fe:01:02:03:04:05');
    assert.equal(randomVtepMac(() => Buffer.from([0x00, 0, 0, 0, 0, 0])), '02:00:00:00:00:00');
    for (let i = 0; i < 50; i++) {
      const mac = randomVtepMac();
      assert.ok(isUnicastMac(mac), mac);
      assert.equal(parseInt(mac.slice(0, 2), 16) & 0x03, 0x02);
    }
  });

  it('generates once, persists, and returns the same MAC afterwards', async () => {
    const first = await ensureVtepMac(path.join(dir, 'state'), 'ov');
    assert.equal(await ensureVtepMac(path.join(dir, 'state'), 'ov'), first);
    assert.equal(fs.readFileSync(vtepMacPath(path.join(dir, 'state'), 'ov'), 'utf8'), `${first}\n`);
    assert.equal(fs.statSync(vtepMacPath(path.join(dir, 'state'), 'ov')).mode & 0o777, 0o644);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'state')), ['ov.vtep-mac'], 'no temp file is left');
  });

  it('adopts the MAC of an existing device when none is persisted, and keeps the persisted one over it', async () => {
    assert.equal(await ensureVtepMac(dir, 'a', '02:AA:BB:CC:DD:EE'), '02:aa:bb:cc:dd:ee');
    assert.equal(await ensureVtepMac(dir, 'a', '02:11:11:11:11:11'), '02:aa:bb:cc:dd:ee');
  });

  it('replaces an unreadable file, and refuses a network name that is a path', async () => {
    fs.writeFileSync(path.join(dir, 'b.vtep-mac'), 'garbage');
    assert.equal(await loadVtepMac(dir, 'b'), undefined);
    assert.ok(isUnicastMac(await ensureVtepMac(dir, 'b')));
    assert.throws(() => vtepMacPath(dir, '../etc'), /invalid network name/);
  });
});
