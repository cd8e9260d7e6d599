import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageStore } from '../../../../../lib/runtime/image/image-store';
import { isStaticElf } from '../../../../../lib/runtime/image/busybox-rootfs';
import { skipUnlessHost } from '../../../../helpers/skip';

const BUSYBOX = '/bin/busybox';
const haveBusybox = existsSync(BUSYBOX);

describe('lib/runtime/image/busybox-rootfs', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'berth-busybox-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('tells a static ELF from a dynamic one and refuses a non-ELF file', async function () {
    skipUnlessHost(this, haveBusybox, 'no static busybox (package busybox-static)');
    assert.equal(await isStaticElf(BUSYBOX), true);
    assert.equal(await isStaticElf(process.execPath), false);
    writeFileSync(join(root, 'script'), '#!/bin/sh\necho hi\n');
    await assert.rejects(isStaticElf(join(root, 'script')), { kind: 'invalid', message: /is not an ELF executable/ });
  });

  it('refuses a dynamically linked or missing busybox, saying what to install', async () => {
    const store = new ImageStore({ root });
    await assert.rejects(store.createBusybox('busybox', process.execPath), {
      kind: 'invalid',
      message: new RegExp(`busybox ${process.execPath} is dynamically linked.*apt-get install busybox-static`),
    });
    await assert.rejects(store.createBusybox('busybox', join(root, 'absent')), { kind: 'invalid', message: /not found; .*apt-get install busybox-static/ });
    assert.deepEqual(await store.list(), []);
    assert.deepEqual(readdirNoLock(store.dir), []);
  });

  it('builds a rootfs with every applet, passwd, group and the runtime directories', async function () {
    skipUnlessHost(this, haveBusybox, 'no static busybox (package busybox-static)');
    const store = new ImageStore({ root, now: () => new Date('2026-03-04T05:06:07.000Z') });
    const info = await store.createBusybox();
    assert.deepEqual(info.repoTags, ['busybox:latest']);
    assert.deepEqual(info.config, { Cmd: ['sh'], Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], WorkingDir: '', Entrypoint: null });
    const rootfs = store.rootfs(info.id);
    const sizeOf = (p: string): number => lstatSync(p).size;
    assert.equal(info.size, sizeOf(BUSYBOX) + sizeOf(join(rootfs, 'etc/passwd')) + sizeOf(join(rootfs, 'etc/group')));
    assert.equal(readlinkSync(join(rootfs, 'bin/sh')), '../bin/busybox');
    const applets = execFileSync(BUSYBOX, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const applet of applets) assert.ok(existsSync(join(rootfs, applet)), applet);
    assert.equal(readlinkSync(join(rootfs, 'usr/bin/wget')), '../../bin/busybox');
    assert.match(readFileSync(join(rootfs, 'etc/passwd'), 'utf8'), /^root:x:0:0:root:\/root:\/bin\/sh\nnobody:x:65534:65534:/);
    assert.match(readFileSync(join(rootfs, 'etc/group'), 'utf8'), /^root:x:0:\nnobody:x:65534:\n$/);
    const mode = (p: string): string => (lstatSync(join(rootfs, p)).mode & 0o7777).toString(8);
    assert.deepEqual(['tmp', 'root', 'proc', 'sys', 'dev', 'var', 'etc'].map(mode), ['1777', '700', '555', '555', '755', '755', '755']);
    assert.equal(existsSync(join(rootfs, 'etc/hosts')), false);
    assert.equal(execFileSync(join(rootfs, 'bin/sh'), ['-c', 'echo hi'], { encoding: 'utf8' }), 'hi\n');
    // Equal content, equal id: building it again only re-tags.
    const again = await store.createBusybox('busybox:stable');
    assert.equal(again.id, info.id);
    assert.deepEqual(again.repoTags, ['busybox:latest', 'busybox:stable']);
  });
});

function readdirNoLock(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((e) => e !== 'lock') : [];
}
