import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyUpVolumes } from '../../../../../lib/runtime/container/volume-copy-up';
import type { MountSpec } from '../../../../../lib/runtime/storage/mount-spec';

const vol = (name: string, target: string, noCopy = false): MountSpec => ({ type: 'volume', name, target, readonly: false, noCopy, options: {} });

describe('lib/runtime/container/volume-copy-up', () => {
  let dir: string;
  let image: string;
  const volumePath = (name: string) => join(dir, 'volumes', name);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-cu-'));
    image = join(dir, 'rootfs');
    mkdirSync(join(image, 'etc/app'), { recursive: true });
    writeFileSync(join(image, 'etc/app/conf'), 'default\n');
    symlinkSync('/etc', join(image, 'escape'));
    for (const v of ['a', 'b', 'c', 'd']) mkdirSync(volumePath(v), { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("copies the image's content into an empty volume", () => {
    copyUpVolumes([vol('a', '/etc/app')], [image], dir, volumePath);
    assert.equal(readFileSync(join(volumePath('a'), 'conf'), 'utf8'), 'default\n');
  });
  it('leaves a volume with data, a nocopy volume and a missing image path alone', () => {
    writeFileSync(join(volumePath('b'), 'mine'), 'x');
    copyUpVolumes([vol('b', '/etc/app'), vol('c', '/etc/app', true), vol('d', '/nothing')], [image], dir, volumePath);
    assert.deepEqual(readdirSync(volumePath('b')), ['mine']);
    assert.deepEqual(readdirSync(volumePath('c')), []);
    assert.deepEqual(readdirSync(volumePath('d')), []);
  });
  it("resolves the target inside the image: a symlink to /etc copies the image's /etc, not the host's", () => {
    copyUpVolumes([vol('d', '/escape')], [image], dir, volumePath);
    assert.deepEqual(readdirSync(volumePath('d')), ['app']);
  });
});
