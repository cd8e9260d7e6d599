import assert from 'node:assert/strict';
import { LeaseWatcher } from '../../../../lib/overlay/lease-watcher';
import type { LeaseEvent } from '../../../../lib/overlay/types';
import { lease } from './fixtures';

const added = (l: ReturnType<typeof lease>): LeaseEvent => ({ type: 'added', lease: l });
const removed = (l: ReturnType<typeof lease>): LeaseEvent => ({ type: 'removed', lease: l });

describe('lib/overlay/lease-watcher', () => {
  const a = lease('10.244.1.0/24', '192.0.2.1');
  const b = lease('10.244.2.0/24', '192.0.2.2');
  const c = lease('10.244.3.0/24', '192.0.2.3');

  it('passes new subnets through and keeps them', () => {
    const w = new LeaseWatcher();
    assert.deepEqual(w.apply([added(b), added(a)]), [added(b), added(a)]);
    assert.deepEqual(w.leases(), [a, b]);
  });

  it('a renewal (same endpoint) yields nothing but refreshes the cache', () => {
    const w = new LeaseWatcher();
    w.apply([added(a)]);
    const renewed = { ...a, expiresAt: 123 };
    assert.deepEqual(w.apply([added(renewed)]), []);
    assert.deepEqual(w.leases(), [renewed]);
  });

  it('a changed VTEP MAC yields removed(old) + added(new): no stale FDB entry', () => {
    const w = new LeaseWatcher();
    w.apply([added(a)]);
    const newMac = lease('10.244.1.0/24', '192.0.2.1', 0x99);
    assert.deepEqual(w.apply([added(newMac)]), [removed(a), added(newMac)]);
    assert.deepEqual(w.leases(), [newMac]);
  });

  it('a changed PublicIP yields removed(old) + added(new)', () => {
    const w = new LeaseWatcher();
    w.apply([added(a)]);
    const moved = lease('10.244.1.0/24', '192.0.2.50', 1);
    assert.deepEqual(w.apply([added(moved)]), [removed(a), added(moved)]);
  });

  it('a removal carries the cached lease; an unknown removal yields nothing', () => {
    const w = new LeaseWatcher();
    w.apply([added(a)]);
    // A removal event whose attrs differ (e.g. a stale prev value): what was programmed is what goes.
    const other = lease('10.244.1.0/24', '192.0.2.77');
    assert.deepEqual(w.apply([removed(other)]), [removed(a)]);
    assert.deepEqual(w.apply([removed(b)]), []);
    assert.deepEqual(w.leases(), []);
  });

  it('applies a batch in order (add, change, remove of one subnet)', () => {
    const w = new LeaseWatcher();
    const a2 = lease('10.244.1.0/24', '192.0.2.1', 0x42);
    assert.deepEqual(w.apply([added(a), added(a2), removed(a2)]), [added(a), removed(a), added(a2), removed(a2)]);
  });

  it('reset diffs a snapshot against the cache: removals first, then additions', () => {
    const w = new LeaseWatcher();
    w.apply([added(a), added(b)]);
    const b2 = lease('10.244.2.0/24', '192.0.2.2', 0x55);
    const out = w.reset({ leases: [b2, c], revision: 9 });
    assert.deepEqual(out, [removed(a), removed(b), added(b2), added(c)]);
    assert.deepEqual(w.leases(), [b2, c]);
    assert.deepEqual(w.reset([b2, c]), [], 'an identical snapshot changes nothing');
  });

  it('ignores our own lease, in events and in snapshots', () => {
    const w = new LeaseWatcher({ ownSubnet: '10.244.1.0/24' });
    assert.equal(w.ownSubnet, '10.244.1.0/24');
    assert.deepEqual(w.apply([added(a), added(b), removed(a)]), [added(b)]);
    assert.deepEqual(w.reset([a, b, c]), [added(c)]);
    assert.deepEqual(w.leases(), [b, c]);
  });

  it('learning our subnet late removes the peer that held it from the view', () => {
    const w = new LeaseWatcher();
    w.apply([added(a), added(b)]);
    assert.deepEqual(w.setOwnSubnet('10.244.1.0/24'), [removed(a)]);
    assert.deepEqual(w.setOwnSubnet('10.244.9.0/24'), []);
    assert.deepEqual(w.leases(), [b]);
  });
});
