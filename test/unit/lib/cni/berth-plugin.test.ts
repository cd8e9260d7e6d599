import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isBerthPlugin } from '../../../../lib/cni/berth-plugin';

describe('lib/cni/berth-plugin: recognising our own executables without running them', () => {
  let dir: string;
  const write = (name: string, data: string | Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, data, { mode: 0o755 });
    return file;
  };
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-plugin-mark-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the Node form: its second line names the plugin', () => {
    const file = write('node-form', '#!/usr/bin/env node\n// berth-plugin host-local\nrequire("x");\n');
    assert.equal(isBerthPlugin(file, 'host-local'), true);
    assert.equal(isBerthPlugin(file, 'bridge'), false);
  });
  it('the multi-call binary: an ELF whose last line lists the plugins', () => {
    const image = Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(10_000, 7)]);
    const file = write('sea-form', Buffer.concat([image, Buffer.from('\nberth-plugins bridge host-local loopback\n')]));
    assert.equal(isBerthPlugin(file, 'host-local'), true);
    assert.equal(isBerthPlugin(file, 'loopback'), true);
    assert.equal(isBerthPlugin(file, 'macvlan'), false);
    assert.equal(isBerthPlugin(file, 'host'), false, 'a whole name, not a prefix');
  });
  it('a reference binary, a script that only mentions the marker, or no file is not ours', () => {
    assert.equal(isBerthPlugin(write('ref', Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.alloc(100)])), 'host-local'), false);
    assert.equal(isBerthPlugin(write('script', '#!/bin/sh\necho\nberth-plugins host-local\n'), 'host-local'), false);
    assert.equal(isBerthPlugin(write('trailing', Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.from('\nberth-plugins host-local\nmore')])), 'host-local'), false);
    assert.equal(isBerthPlugin(path.join(dir, 'absent'), 'host-local'), false);
  });
});
