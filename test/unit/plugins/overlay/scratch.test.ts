import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findScratch, legacyScratchPath, listScratch, readScratch, removeScratch, scratchPath, writeScratch } from '../../../../plugins/overlay/scratch';

describe('plugins/overlay/scratch', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovl-scratch-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const conf = (name: string) => ({ cniVersion: '1.1.0', name, type: 'bridge' });

  it('lives at <dataDir>/.overlay-scratch/<network>:<containerID>-<ifname>.json, apart from any network\'s host-local store', () => {
    assert.equal(scratchPath('/d', 'ov', 'c1', 'eth0'), '/d/.overlay-scratch/ov:c1-eth0.json');
    assert.equal(legacyScratchPath('/d', 'c1', 'eth0'), '/d/overlay/c1-eth0.json');
  });

  it('write, read, replace, remove (twice), with no temp file left', () => {
    const file = scratchPath(dir, 'ov', 'c1', 'eth0');
    assert.equal(readScratch(file), undefined);
    writeScratch(file, conf('a'));
    writeScratch(file, conf('b'));
    assert.deepEqual(readScratch(file), conf('b'));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['ov:c1-eth0.json']);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    removeScratch(file);
    removeScratch(file);
    assert.equal(fs.existsSync(file), false);
  });

  it('a file that is not a config reads as none', () => {
    const file = scratchPath(dir, 'ov', 'c1', 'eth0');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'garbage');
    assert.equal(readScratch(file), undefined);
  });

  it('lists the configs of one network, with the attachment key', () => {
    writeScratch(scratchPath(dir, 'ov', 'c1', 'eth0'), conf('ov'));
    writeScratch(scratchPath(dir, 'other', 'c2', 'eth1'), conf('other'));
    writeScratch(legacyScratchPath(dir, 'c3', 'eth0'), conf('ov'));
    writeScratch(legacyScratchPath(dir, 'c4', 'eth0'), conf('other'));
    fs.writeFileSync(path.join(dir, 'overlay', '10.244.3.2'), 'c9\r\neth0'); // a host-local lease of a network named "overlay"
    // Temp files of ADDs killed before their link, named as now and as by earlier versions.
    fs.writeFileSync(path.join(dir, '.overlay-scratch', '.ov:c5-eth0.json.tmp-0123456789ab'), JSON.stringify(conf('ov')));
    fs.writeFileSync(path.join(dir, '.overlay-scratch', '.ov:c6-eth0.json.01234567.tmp'), JSON.stringify(conf('ov')));
    assert.deepEqual(listScratch(dir, 'ov').map((e) => [e.key, e.conf.name]), [['c1-eth0', 'ov'], ['c3-eth0', 'ov']]);
    assert.deepEqual(listScratch(path.join(dir, 'none'), 'ov'), []);
  });

  it('an exclusive write refuses an existing config (EEXIST) and leaves it and no temp file', () => {
    const file = scratchPath(dir, 'ov', 'c1', 'eth0');
    writeScratch(file, conf('a'), true);
    assert.throws(() => writeScratch(file, conf('b'), true), { code: 'EEXIST' });
    assert.deepEqual(readScratch(file), conf('a'));
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['ov:c1-eth0.json']);
  });

  it('finds the config at the current location, else at the old one only when it is this network\'s', () => {
    writeScratch(legacyScratchPath(dir, 'c1', 'eth0'), conf('other'));
    assert.deepEqual(findScratch(dir, 'ov', 'c1', 'eth0'), { file: scratchPath(dir, 'ov', 'c1', 'eth0'), conf: undefined });
    writeScratch(legacyScratchPath(dir, 'c1', 'eth0'), conf('ov'));
    assert.deepEqual(findScratch(dir, 'ov', 'c1', 'eth0'), { file: legacyScratchPath(dir, 'c1', 'eth0'), conf: conf('ov') });
    writeScratch(scratchPath(dir, 'ov', 'c1', 'eth0'), conf('ov'));
    assert.equal(findScratch(dir, 'ov', 'c1', 'eth0').file, scratchPath(dir, 'ov', 'c1', 'eth0'));
  });
});
