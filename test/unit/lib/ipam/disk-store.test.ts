import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskStore } from '../../../../lib/ipam/disk-store';
import { formatIP, parseIP } from '../../../../lib/ip';
import { expectCni, expectCniAsync } from './expect-cni';
import { skipUnlessHost } from '../../../helpers/skip';

const ip = (s: string) => parseIP(s)!;

describe('lib/ipam/disk-store', () => {
  let dataDir: string;
  let dir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ipam-unit-'));
    dir = path.join(dataDir, 'net1');
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const store = (opts: Partial<ConstructorParameters<typeof DiskStore>[0]> = {}) =>
    new DiskStore({ network: 'net1', dataDir, ...opts });
  const mode = (f: string) => fs.statSync(path.join(dir, f)).mode & 0o777;

  it('does not exist until first locked, then holds the reference layout', async () => {
    const s = store();
    assert.equal(s.exists(), false);
    assert.equal(s.dir, dir);
    await s.withLock((t) => {
      assert.equal(t.reserve(ip('10.1.2.2'), 'dummy', 'eth0'), true);
      assert.equal(t.reserve(ip('2001:db8:1::2'), 'dummy', 'eth0'), true);
      t.setLastReserved(0, ip('10.1.2.2'));
      t.setLastReserved(1, ip('2001:db8:1::2'));
    });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['10.1.2.2', '2001:db8:1::2', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    assert.equal(fs.readFileSync(path.join(dir, '10.1.2.2'), 'utf8'), 'dummy\r\neth0');
    assert.equal(fs.readFileSync(path.join(dir, 'last_reserved_ip.1'), 'utf8'), '2001:db8:1::2');
    assert.equal(mode('10.1.2.2'), 0o600);
    assert.equal(mode('last_reserved_ip.0'), 0o600);
    assert.equal(fs.statSync(dir).mode & 0o777, 0o755 & ~process.umask());
  });

  it('never overwrites a reservation', async () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '10.1.2.2'), 'someone\r\neth0');
    await store().withLock((t) => assert.equal(t.reserve(ip('10.1.2.2'), 'me', 'eth0'), false));
    assert.equal(fs.readFileSync(path.join(dir, '10.1.2.2'), 'utf8'), 'someone\r\neth0');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['10.1.2.2', 'lock']);
  });

  it('reads leases as the reference writes them: legacy, whitespace, and nothing else but foreign entries', async () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '10.1.2.2'), 'abc\r\neth0');
    fs.writeFileSync(path.join(dir, '10.1.2.3'), '  legacy-id\n');
    fs.writeFileSync(path.join(dir, '10.1.2.4'), 'def\r\neth1\r\n');
    fs.writeFileSync(path.join(dir, '10.1.2.5'), '');
    fs.writeFileSync(path.join(dir, 'last_reserved_ip.0'), '10.1.2.4');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'abc\r\neth0');
    fs.mkdirSync(path.join(dir, '10.1.2.6'));
    const leases = await store().withLock((t) => t.leases());
    const view = leases.map((l) => [formatIP(l.ip), l.containerID, l.ifname, l.foreign]).sort();
    assert.deepEqual(view, [
      ['10.1.2.2', 'abc', 'eth0', undefined],
      ['10.1.2.3', 'legacy-id', undefined, undefined],
      ['10.1.2.4', 'def', 'eth1', undefined],
      ['10.1.2.5', '', undefined, undefined], // an orphan of a killed reference plugin: taken, released by GC
      ['10.1.2.6', '', undefined, 'a directory'], // not a lease, but its address is not free either
    ]);
  });

  it('an address name held by a symlink, a socket or a FIFO is listed as taken, never as free', async () => {
    fs.mkdirSync(dir);
    fs.symlinkSync('/nonexistent', path.join(dir, '10.1.2.2'));
    fs.symlinkSync(path.join(dataDir, 'elsewhere'), path.join(dir, '10.1.2.3'));
    fs.writeFileSync(path.join(dataDir, 'elsewhere'), 'x\r\neth0');
    execFileSync('mkfifo', [path.join(dir, '2001:db8::5')]);
    const leases = await store().withLock((t) => t.leases());
    assert.deepEqual(leases.map((l) => [formatIP(l.ip), l.containerID, l.foreign]).sort(), [
      ['10.1.2.2', '', 'a symbolic link'],
      ['10.1.2.3', '', 'a symbolic link'],
      ['2001:db8::5', '', 'a FIFO'],
    ]);
    await store().withLock((t) => assert.equal(t.reserve(ip('10.1.2.2'), 'me', 'eth0'), false));
  });

  describe('a dataDir that cannot hold a store fails at once with code 7 naming ipam.dataDir', () => {
    // Root ignores file modes, so these are paths no mode can make work: procfs (mkdir says ENOENT,
    // and Node's recursive mkdir spins on that forever), sysfs (EPERM), a path through a regular file.
    it('/proc (ENOENT under an existing parent)', async () => {
      await expectCniAsync(new DiskStore({ network: 'net1', dataDir: '/proc' }).withLock(() => 'never'), 7,
        `invalid config: /ipam/dataDir: "/proc" cannot hold the lease store: failed to create /proc/net1: ENOENT: no such file or directory, mkdir '/proc/net1'`);
    });
    it('/proc/self/x/y (two levels missing under procfs)', async () => {
      await expectCniAsync(new DiskStore({ network: 'net1', dataDir: '/proc/self/x/y' }).withLock(() => 'never'), 7,
        /^invalid config: \/ipam\/dataDir: "\/proc\/self\/x\/y" cannot hold the lease store: failed to create \/proc\/self\/x\/y\/net1: ENOENT/);
    });
    it('/sys/kernel (EPERM)', async function () {
      skipUnlessHost(this, fs.existsSync('/sys/kernel'), 'no /sys/kernel (sysfs not mounted)');
      await expectCniAsync(new DiskStore({ network: 'net1', dataDir: '/sys/kernel' }).withLock(() => 'never'), 7,
        /^invalid config: \/ipam\/dataDir: "\/sys\/kernel" cannot hold the lease store: failed to create \/sys\/kernel\/net1: E(PERM|ACCES|ROFS)/);
    });
    it('a path through a regular file (ENOTDIR)', async () => {
      const file = path.join(dataDir, 'file');
      fs.writeFileSync(file, '');
      await expectCniAsync(new DiskStore({ network: 'net1', dataDir: path.join(file, 'sub') }).withLock(() => 'never'), 7,
        `invalid config: /ipam/dataDir: ${JSON.stringify(path.join(file, 'sub'))} cannot hold the lease store: failed to create ${file}/sub/net1: ENOTDIR: not a directory, mkdir '${file}/sub/net1'`);
    });
    it('a regular file where the network directory belongs (ENOTDIR, not a silent EEXIST)', async () => {
      fs.writeFileSync(dir, '');
      await expectCniAsync(store().withLock(() => 'never'), 7,
        `invalid config: /ipam/dataDir: ${JSON.stringify(dataDir)} cannot hold the lease store: failed to create ${dir}: ENOTDIR: not a directory, mkdir '${dir}'`);
    });
    it('a directory where the lock file belongs (EISDIR on open)', async () => {
      fs.mkdirSync(path.join(dir, 'lock'), { recursive: true });
      await expectCniAsync(store().withLock(() => 'never'), 7,
        new RegExp(`^invalid config: /ipam/dataDir: ${JSON.stringify(dataDir)} cannot hold the lease store: failed to lock ${dir}/lock: EISDIR`));
    });
  });

  it('removes scratch files a killed process left, and they never count as leases', async () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '.berth-tmp.lease'), 'ghost\r\neth0');
    fs.writeFileSync(path.join(dir, '.berth-tmp.last_reserved_ip.0'), '10.1.2.');
    await store().withLock((t) => {
      assert.deepEqual(t.leases(), []);
      assert.equal(t.reserve(ip('10.1.2.7'), 'me', 'eth0'), true);
    });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['10.1.2.7', 'lock']);
  });

  it('a stale scratch file does not block a reservation', async () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '.berth-tmp.lease'), 'ghost\r\neth0');
    await store().withLock((t) => assert.equal(t.reserve(ip('10.1.2.7'), 'me', 'eth0'), true));
    assert.equal(fs.readFileSync(path.join(dir, '10.1.2.7'), 'utf8'), 'me\r\neth0');
  });

  it('reads an unreadable or garbage cursor as none', async () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'last_reserved_ip.0'), '10.1.2.');
    fs.writeFileSync(path.join(dir, 'last_reserved_ip.1'), '10.1.2.9\n');
    await store().withLock((t) => {
      assert.equal(t.lastReserved(0), undefined);
      assert.equal(formatIP(t.lastReserved(1)!), '10.1.2.9');
      assert.equal(t.lastReserved(2), undefined);
    });
  });

  it('release removes the file and tolerates a missing one', async () => {
    await store().withLock((t) => {
      t.reserve(ip('10.1.2.2'), 'a', 'eth0');
      t.release(ip('10.1.2.2'));
      t.release(ip('10.1.2.2'));
    });
    assert.deepEqual(fs.readdirSync(dir), ['lock']);
  });

  it('serialises lock holders and fails with code 11 after the timeout', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = store().withLock(async () => {
      order.push('first in');
      await held;
      order.push('first out');
    });
    await new Promise((r) => setTimeout(r, 20));
    await expectCniAsync(store({ lockTimeoutMs: 30 }).withLock(() => order.push('never')), 11,
      `failed to lock ${dir}/lock: still held by another process after 30 ms`);
    const second = store().withLock(() => order.push('second'));
    await new Promise((r) => setTimeout(r, 20));
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first in', 'first out', 'second']);
  });

  it('releases the lock when the callback throws', async () => {
    await assert.rejects(store().withLock(() => { throw new Error('boom'); }), /boom/);
    assert.equal(await store({ lockTimeoutMs: 10 }).withLock(() => 'ok'), 'ok');
  });

  describe('network names that could leave dataDir are refused (code 7) before any path is built', () => {
    for (const name of ['..', '.', '../etc', 'a/b', '/abs', 'a\u0000b', '', ' net', 'net\n']) {
      it(JSON.stringify(name), () => {
        expectCni(() => new DiskStore({ network: name, dataDir }), 7,
          `invalid config: /name: invalid network name ${JSON.stringify(name)}: must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`);
        assert.deepEqual(fs.readdirSync(dataDir), []);
      });
    }
  });
});
