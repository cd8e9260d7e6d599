import assert from 'node:assert/strict';
import { allocate, freeCount, leasesToRelease, type Owner } from '../../../../lib/ipam/allocator';
import { parseExclude } from '../../../../lib/ipam/exclude';
import { formatIP, parseIP } from '../../../../lib/ip';
import { canonicalizeRangeSet, type RangeSet } from '../../../../lib/ipam/range-set';
import type { Lease } from '../../../../lib/ipam/store';
import { expectCniAsync } from './expect-cni';
import { FakeStore } from './fake-store';

const owner: Owner = { containerID: 'c1', ifname: 'eth0' };
const set = (ranges: unknown[]): RangeSet => canonicalizeRangeSet(ranges, '/ipam/ranges/0');
const ip = (s: string) => parseIP(s)!;

/** Allocates once from set 0 for `who` and returns the address text. */
async function next(store: FakeStore, s: RangeSet, who: Owner = owner, opts: { requested?: string; exclude?: string[] } = {}): Promise<string> {
  const exclude = parseExclude(opts.exclude, '/ipam/exclude');
  return store.withLock((session) => {
    const a = allocate(session, s, 0, who, opts.requested ? ip(opts.requested) : undefined, exclude, session.leases());
    return formatIP(a.ip);
  });
}

const n = (i: number): Owner => ({ containerID: `c${i}`, ifname: 'eth0' });

describe('lib/ipam/allocator', () => {
  it('starts at .2 (the gateway .1 is skipped) and records the cursor', async () => {
    const store = new FakeStore();
    assert.equal(await next(store, set([{ subnet: '10.1.2.0/24' }])), '10.1.2.2');
    assert.equal(store.last.get(0), '10.1.2.2');
    assert.equal(store.files.get('10.1.2.2'), 'c1\r\neth0');
  });

  it('goes round-robin from the cursor, not to the lowest free address', async () => {
    const store = new FakeStore();
    const s = set([{ subnet: '10.1.2.0/24' }]);
    store.last.set(0, '10.1.2.100');
    assert.equal(await next(store, s, n(1)), '10.1.2.101');
    store.files.delete('10.1.2.101');
    assert.equal(await next(store, s, n(2)), '10.1.2.102');
  });

  it('wraps after rangeEnd (never the broadcast) back to rangeStart, skipping the gateway', async () => {
    const store = new FakeStore();
    const s = set([{ subnet: '10.1.2.0/24' }]);
    store.last.set(0, '10.1.2.254');
    assert.equal(await next(store, s, n(1)), '10.1.2.2');
    store.last.set(0, '10.1.2.253');
    assert.equal(await next(store, s, n(2)), '10.1.2.254');
    assert.equal(await next(store, s, n(3)), '10.1.2.3');
  });

  it('starts at the first range when the cursor is outside the set (config changed)', async () => {
    const store = new FakeStore();
    store.last.set(0, '192.168.0.9');
    assert.equal(await next(store, set([{ subnet: '10.1.2.0/29' }])), '10.1.2.2');
  });

  it('moves through the ranges of a set in config order and wraps', async () => {
    const store = new FakeStore();
    const s = set([
      { subnet: '10.1.3.0/30' }, // .1 gateway, .2 only
      { subnet: '10.1.2.0/30' },
    ]);
    assert.deepEqual([await next(store, s, n(1)), await next(store, s, n(2))], ['10.1.3.2', '10.1.2.2']);
    store.files.delete('10.1.3.2');
    assert.equal(await next(store, s, n(3)), '10.1.3.2');
  });

  it('skips addresses a lease already holds without trying to reserve them', async () => {
    const store = new FakeStore();
    const s = set([{ subnet: '10.1.2.0/29' }]);
    store.files.set('10.1.2.2', 'other\r\neth0');
    store.files.set('10.1.2.3', 'legacy-id');
    assert.equal(await next(store, s), '10.1.2.4');
    assert.deepEqual(store.reserveCalls, ['10.1.2.4']);
  });

  it('fails with code 100 naming the range set when it is exhausted', async () => {
    const store = new FakeStore();
    const s = set([{ subnet: '10.1.2.0/30' }, { subnet: '10.1.3.0/30' }]);
    await next(store, s, n(1));
    await next(store, s, n(2));
    await expectCniAsync(next(store, s, n(3)), 100,
      'failed to allocate for range 0: no IP addresses available in range set: 10.1.2.1-10.1.2.2,10.1.3.1-10.1.3.2');
  });

  it('refuses a second address in the set for the same attachment (code 102), legacy leases included', async () => {
    const store = new FakeStore();
    const s = set([{ subnet: '10.1.2.0/24' }]);
    await next(store, s);
    await expectCniAsync(next(store, s), 102, 'failed to allocate for range 0: 10.1.2.2 has been allocated to c1, duplicate allocation is not allowed');
    const legacy = new FakeStore();
    legacy.files.set('10.1.2.9', 'c1');
    await expectCniAsync(next(legacy, s), 102, 'failed to allocate for range 0: 10.1.2.9 has been allocated to c1, duplicate allocation is not allowed');
    assert.equal(await next(store, s, { containerID: 'c1', ifname: 'eth1' }), '10.1.2.3');
  });

  describe('requested addresses', () => {
    const s = set([{ subnet: '10.1.2.0/24', rangeStart: '10.1.2.10', rangeEnd: '10.1.2.20' }]);
    it('reserves exactly the requested address and moves the cursor to it', async () => {
      const store = new FakeStore();
      assert.equal(await next(store, s, owner, { requested: '10.1.2.15' }), '10.1.2.15');
      assert.equal(store.last.get(0), '10.1.2.15');
    });
    it('refuses the gateway, an excluded address, a taken one (code 101)', async () => {
      const store = new FakeStore();
      const gw = set([{ subnet: '10.1.2.0/24' }]);
      await expectCniAsync(next(store, gw, owner, { requested: '10.1.2.1' }), 101, "failed to allocate for range 0: requested ip 10.1.2.1 is subnet's gateway");
      await expectCniAsync(next(store, s, owner, { requested: '10.1.2.12', exclude: ['10.1.2.12/30'] }), 101, 'failed to allocate for range 0: requested ip 10.1.2.12 is excluded');
      store.files.set('10.1.2.11', 'x\r\neth0');
      await expectCniAsync(next(store, s, owner, { requested: '10.1.2.11' }), 101,
        'failed to allocate for range 0: requested IP address 10.1.2.11 is not available in range set 10.1.2.10-10.1.2.20');
    });
  });

  describe('exclude', () => {
    it('never hands out excluded addresses or CIDRs', async () => {
      const store = new FakeStore();
      const s = set([{ subnet: '10.1.2.0/28' }]);
      const got: string[] = [];
      for (let i = 0; i < 6; i++) got.push(await next(store, s, n(i), { exclude: ['10.1.2.3', '10.1.2.8/30', '10.9.0.0/16'] }));
      assert.deepEqual(got, ['10.1.2.2', '10.1.2.4', '10.1.2.5', '10.1.2.6', '10.1.2.7', '10.1.2.12']);
    });
    it('jumps over an excluded IPv6 /65 in one step', async () => {
      const store = new FakeStore();
      const s = set([{ subnet: '2001:db8::/64' }]);
      assert.equal(await next(store, s, n(1), { exclude: ['2001:db8::/65'] }), '2001:db8:0:0:8000::');
      assert.deepEqual(store.reserveCalls, ['2001:db8:0:0:8000::']);
    });
  });

  it('freeCount counts from intervals, ignoring leases outside the allocatable area', () => {
    const s = set([{ subnet: '10.1.2.0/29' }]); // .1 gw, .2-.6 allocatable
    const lease = (a: string): Lease => ({ ip: ip(a), containerID: 'x', ifname: 'eth0' });
    const ex = parseExclude(['10.1.2.6'], '/e');
    assert.equal(freeCount(s, ex, []), 4n);
    assert.equal(freeCount(s, ex, [lease('10.1.2.2'), lease('10.1.2.2'), lease('10.1.2.1'), lease('10.9.9.9')]), 3n);
    assert.equal(freeCount(set([{ subnet: '2001:db8::/64' }]), [], []), (1n << 64n) - 2n);
  });

  it('leasesToRelease prefers exact (id, ifname) matches and falls back to legacy id-only leases', () => {
    const l = (a: string, id: string, ifn?: string): Lease => ({ ip: ip(a), containerID: id, ifname: ifn });
    const all = [l('10.0.0.2', 'c1', 'eth0'), l('10.0.0.3', 'c1'), l('10.0.0.4', 'c1', 'eth1'), l('10.0.0.5', 'c2', 'eth0')];
    assert.deepEqual(leasesToRelease(all, owner).map((x) => formatIP(x.ip)), ['10.0.0.2']);
    assert.deepEqual(leasesToRelease(all, { containerID: 'c1', ifname: 'eth9' }).map((x) => formatIP(x.ip)), ['10.0.0.3']);
    assert.deepEqual(leasesToRelease(all, { containerID: 'c3', ifname: 'eth0' }), []);
  });
});
