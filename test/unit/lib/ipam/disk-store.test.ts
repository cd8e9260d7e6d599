import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DiskStore } from '../../../../lib/ipam/disk-store';
import { formatIP, parseIP } from '../../../../lib/ip';
import { expectCni, expectCniAsync } from './expect-cni';

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

  it('reads leases as the reference writes them: legacy, whitespace, and nothing else', async () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, '10.1.2.2'), 'abc\r\neth0');
    fs.writeFileSync(path.join(dir, '10.1.2.3'), '  legacy-id\n');
    fs.writeFileSync(path.join(dir, '10.1.2.4'), 'def\r\neth1\r\n');
    fs.writeFileSync(path.join(dir, '10.1.2.5'), '');
    fs.writeFileSync(path.join(dir, 'last_reserved_ip.0'), '10.1.2.4');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'abc\r\neth0');
    fs.mkdirSync(path.join(dir, '10.1.2.6'));
    const leases = await store().withLock((t) => t.leases());
    const view = leases.map((l) => [formatIP(l.ip), l.containerID, l.ifname]).sort();
    assert.deepEqual(view, [
      ['10.1.2.2', 'abc', 'eth0'],
      ['10.1.2.3', 'legacy-id', undefined],
      ['10.1.2.4', 'def', 'eth1'],
      ['10.1.2.5', '', undefined], // an orphan of a killed reference plugin: taken, released by GC
    ]);
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
