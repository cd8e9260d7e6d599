import assert from 'node:assert/strict';
import { desiredPeers, planPeers, type PeerDumps, type PeerEntry } from '../../../../../lib/overlay/datapath/plan-peers';
import type { Lease } from '../../../../../lib/overlay/types';

const lease = (subnet: string, mac: string, pub: string): Lease => ({
  subnet, attrs: { PublicIP: pub, BackendType: 'vxlan', BackendData: { VNI: 1, VtepMAC: mac } },
});
const A: PeerEntry = { subnet: '10.244.2.0/24', vtepIP: '10.244.2.0', mac: '02:00:00:00:00:02', publicIP: '192.168.77.2' };
const B: PeerEntry = { subnet: '10.244.3.0/24', vtepIP: '10.244.3.0', mac: '02:00:00:00:00:03', publicIP: '192.168.77.3' };
const PERM = 0x80;
const SELF = 0x02;
const none: PeerDumps = { neighs: [], fdb: [], routes: [] };
/** What the kernel holds once `p` is programmed. */
const programmed = (...ps: PeerEntry[]): PeerDumps => ({
  neighs: ps.map((p) => ({ ip: p.vtepIP, mac: p.mac, state: PERM })),
  fdb: ps.map((p) => ({ mac: p.mac, dst: p.publicIP, flags: SELF })),
  routes: ps.map((p) => ({ dst: p.subnet, gw: p.vtepIP, onlink: true, protocol: 3 })),
});
const adds = (p: PeerEntry) => [
  { op: 'neigh-set', peer: p.subnet, ip: p.vtepIP, mac: p.mac },
  { op: 'fdb-set', peer: p.subnet, mac: p.mac, dst: p.publicIP },
  { op: 'route-set', peer: p.subnet, dst: p.subnet, gw: p.vtepIP },
];

describe('overlay datapath: desiredPeers', () => {
  it('derives the VTEP address and canonical subnet from each lease, lower-casing the MAC', () => {
    const { peers, skipped } = desiredPeers([lease('10.244.2.0/24', '02:00:00:00:00:02', '192.168.77.2'), lease('10.244.3.7/24', '02:00:00:00:00:03'.toUpperCase(), '192.168.77.3')]);
    assert.deepEqual(peers, [A, B]);
    assert.deepEqual(skipped, []);
  });

  const bad: [string, Lease, RegExp][] = [
    ['a subnet that is no CIDR', lease('fd00::', '02:00:00:00:00:02', '192.168.77.2'), /not a CIDR/],
    ['a multicast MAC', lease('10.244.2.0/24', '01:00:5e:00:00:01', '192.168.77.2'), /not a unicast MAC/],
    ['the zero MAC', lease('10.244.2.0/24', '00:00:00:00:00:00', '192.168.77.2'), /not a unicast MAC/],
    ['a bad PublicIP', lease('10.244.2.0/24', '02:00:00:00:00:02', 'host-2'), /PublicIP/],
  ];
  for (const [what, l, why] of bad) {
    it(`skips a lease with ${what}`, () => {
      const { peers, skipped } = desiredPeers([l]);
      assert.deepEqual(peers, []);
      assert.match(skipped[0]!.reason, why);
    });
  }

  it('skips a second lease claiming the same MAC or subnet', () => {
    const { peers, skipped } = desiredPeers([
      lease('10.244.2.0/24', '02:00:00:00:00:02', '192.168.77.2'),
      lease('10.244.4.0/24', '02:00:00:00:00:02', '192.168.77.4'),
      lease('10.244.2.0/24', '02:00:00:00:00:05', '192.168.77.5'),
    ]);
    assert.equal(peers.length, 1);
    assert.equal(skipped.length, 2);
  });

  it('on a MAC clash keeps the lease that expires later (a re-IP\'d node), whatever the listing order', () => {
    const stale = { ...lease('10.244.2.0/24', '02:00:00:00:00:02', '192.168.77.2'), expiresAt: 1_000 };
    const fresh = { ...lease('10.244.9.0/24', '02:00:00:00:00:02', '192.168.77.9'), expiresAt: 2_000 };
    for (const order of [[stale, fresh], [fresh, stale]]) {
      const { peers, skipped } = desiredPeers(order);
      assert.deepEqual(peers, [{ subnet: '10.244.9.0/24', vtepIP: '10.244.9.0', mac: '02:00:00:00:00:02', publicIP: '192.168.77.9' }]);
      assert.equal(skipped.length, 1);
      assert.equal(skipped[0]!.lease, stale);
      assert.match(skipped[0]!.reason, /10\.244\.9\.0\/24's, which expires later/);
    }
  });
});

describe('overlay datapath: planPeers', () => {
  const cases: { name: string; desired: PeerEntry[]; actual: PeerDumps; ops: unknown[]; kept: number }[] = [
    { name: 'an empty device gets neighbour, FDB, route per peer, in that order', desired: [A, B], actual: none, ops: [...adds(A), ...adds(B)], kept: 0 },
    { name: 'a programmed device is left alone (idempotent)', desired: [A, B], actual: programmed(A, B), ops: [], kept: 6 },
    {
      name: 'a peer that left has its route, FDB entry and neighbour deleted, route first',
      desired: [A], actual: programmed(A, B),
      ops: [{ op: 'route-del', dst: B.subnet, gw: B.vtepIP }, { op: 'fdb-del', mac: B.mac, dst: B.publicIP }, { op: 'neigh-del', ip: B.vtepIP }], kept: 3,
    },
    {
      name: 'a changed VTEP MAC: old FDB entry deleted before the new one; neighbour replaced in place',
      desired: [{ ...A, mac: '02:00:00:00:00:aa' }], actual: programmed(A),
      ops: [{ op: 'fdb-del', mac: A.mac, dst: A.publicIP }, { op: 'neigh-set', peer: A.subnet, ip: A.vtepIP, mac: '02:00:00:00:00:aa' }, { op: 'fdb-set', peer: A.subnet, mac: '02:00:00:00:00:aa', dst: A.publicIP }],
      kept: 1,
    },
    {
      name: 'a re-IP\'d peer: the FDB entry to the old address goes, one to the new is added',
      desired: [{ ...A, publicIP: '192.168.77.20' }], actual: programmed(A),
      ops: [{ op: 'fdb-del', mac: A.mac, dst: A.publicIP }, { op: 'fdb-set', peer: A.subnet, mac: A.mac, dst: '192.168.77.20' }], kept: 2,
    },
    {
      name: 'a stale FDB entry injected by hand is deleted',
      desired: [A], actual: { ...programmed(A), fdb: [...programmed(A).fdb, { mac: '02:11:22:33:44:55', dst: '192.168.77.99', flags: SELF }] },
      ops: [{ op: 'fdb-del', mac: '02:11:22:33:44:55', dst: '192.168.77.99' }], kept: 3,
    },
    {
      name: 'a second remote for a peer MAC is deleted, the right one kept',
      desired: [A], actual: { ...programmed(A), fdb: [{ mac: A.mac, dst: '192.168.77.9', flags: SELF }, ...programmed(A).fdb] },
      ops: [{ op: 'fdb-del', mac: A.mac, dst: '192.168.77.9' }], kept: 3,
    },
    {
      name: 'the kernel\'s own entries are not ours: zero MAC, multicast MACs, master entries, non-permanent neighbours, kernel routes',
      desired: [], actual: {
        neighs: [{ ip: '10.244.9.0', state: 0x20 /* FAILED */ }, { ip: '10.244.8.1', mac: '02:00:00:00:00:08', state: 0x02 /* REACHABLE */ }],
        fdb: [
          { mac: '00:00:00:00:00:00', dst: '192.168.77.2', flags: SELF },
          { mac: '33:33:00:00:00:01', flags: SELF },
          { mac: '01:00:5e:00:00:01', flags: SELF },
          { mac: '02:00:00:00:00:07', flags: 0x04 /* NTF_MASTER */ },
        ],
        routes: [{ dst: '10.244.1.0/24', onlink: false, protocol: 2 /* RTPROT_KERNEL */ }],
      }, ops: [], kept: 0,
    },
    {
      name: 'a wrong route for a peer subnet (no onlink, other gateway) is deleted and added again',
      desired: [A], actual: { ...programmed(A), routes: [{ dst: A.subnet, gw: '10.244.2.1', onlink: false, protocol: 3 }] },
      ops: [{ op: 'route-del', dst: A.subnet, gw: '10.244.2.1' }, { op: 'route-set', peer: A.subnet, dst: A.subnet, gw: A.vtepIP }], kept: 2,
    },
    {
      name: 'a stale permanent neighbour and a stale route are deleted',
      desired: [], actual: { neighs: [{ ip: '10.244.5.0', mac: '02:00:00:00:00:05', state: PERM }], fdb: [], routes: [{ dst: '10.244.5.0/24', gw: '10.244.5.0', onlink: true, protocol: 3 }] },
      ops: [{ op: 'route-del', dst: '10.244.5.0/24', gw: '10.244.5.0' }, { op: 'neigh-del', ip: '10.244.5.0' }], kept: 0,
    },
    {
      name: 'an INCOMPLETE neighbour for a peer address is replaced by the permanent one',
      desired: [A], actual: { ...programmed(A), neighs: [{ ip: A.vtepIP, state: 0x01 }] },
      ops: [{ op: 'neigh-set', peer: A.subnet, ip: A.vtepIP, mac: A.mac }], kept: 2,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plan = planPeers(c.desired, c.actual);
      assert.deepEqual(plan.ops, c.ops);
      assert.equal(plan.kept, c.kept);
    });
  }
});

describe('overlay datapath: a dual-stack peer', () => {
  const mac = '02:00:00:00:00:02';
  const A6: PeerEntry = { subnet: 'fd00:10:244:2::/64', vtepIP: 'fd00:10:244:2::', mac, publicIP: '192.168.77.2' };
  it('its IPv4 and IPv6 leases (one MAC) are two peers, not one node seen twice', () => {
    const { peers, skipped } = desiredPeers([lease('10.244.2.0/24', mac, '192.168.77.2'), lease('fd00:10:244:2::/64', mac, '192.168.77.2')]);
    assert.deepEqual(peers, [A, A6]);
    assert.deepEqual(skipped, []);
  });
  it('gets a neighbour and a route per family and one FDB entry for its MAC', () => {
    assert.deepEqual(planPeers([A, A6], none).ops, [
      ...adds(A),
      { op: 'neigh-set', peer: A6.subnet, ip: A6.vtepIP, mac },
      { op: 'route-set', peer: A6.subnet, dst: A6.subnet, gw: A6.vtepIP },
    ]);
  });
  it('once programmed keeps all five entries, and leaves the kernel\'s IPv6 routes and NDP cache alone', () => {
    const dumps = programmed(A, A6);
    const kernel: PeerDumps = {
      neighs: [...dumps.neighs.slice(0, 1), { ip: A6.vtepIP, mac, state: PERM }, { ip: 'fe80::1', mac: '02:00:00:00:00:09', state: 0x02 }],
      fdb: dumps.fdb.slice(0, 1),
      routes: [...dumps.routes, { dst: 'fe80::/64', onlink: false, protocol: 2 }, { dst: 'fd00:10:244:1::', onlink: false, protocol: 2 }],
    };
    assert.deepEqual(planPeers([A, A6], kernel), { ops: [], kept: 5 });
  });
  it('its IPv6 entries go when only its IPv6 lease goes; the shared FDB entry stays', () => {
    const kernel: PeerDumps = { ...programmed(A, A6), fdb: programmed(A).fdb };
    assert.deepEqual(planPeers([A], kernel).ops, [
      { op: 'route-del', dst: A6.subnet, gw: A6.vtepIP },
      { op: 'neigh-del', ip: A6.vtepIP },
    ]);
  });
});
