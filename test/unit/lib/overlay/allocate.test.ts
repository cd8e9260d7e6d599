import assert from 'node:assert/strict';
import {
  OverlayConfigError,
  SubnetUnavailableError,
  acquireLease,
  chooseSubnet,
  defaultSubnetLen,
  validateConfig,
} from '../../../../lib/overlay/allocate';
import type { LeaseSnapshot, SubnetStore } from '../../../../lib/overlay/store';
import type { Lease, LeaseAttrs, OverlayConfig } from '../../../../lib/overlay/types';
import { attrs, config, lease } from './fixtures';

/** A fixed "random" source: always the first of the candidates. */
const first = () => 0;

describe('lib/overlay/allocate', () => {
  describe('chooseSubnet', () => {
    const table: { name: string; cfg: OverlayConfig; leases: Lease[]; ip: string; previous?: string; random?: () => number; want: { subnet: string; reuse: boolean } }[] = [
      {
        name: 'reuses the lease that carries our PublicIP',
        cfg: config(),
        leases: [lease('10.244.1.0/24', '192.0.2.1'), lease('10.244.7.0/24', '192.0.2.2')],
        ip: '192.0.2.2',
        previous: '10.244.9.0/24',
        want: { subnet: '10.244.7.0/24', reuse: true },
      },
      {
        name: 'ignores our lease when it no longer fits the config (other length)',
        cfg: config('10.244.0.0/16', 25),
        leases: [lease('10.244.7.0/24', '192.0.2.2')],
        ip: '192.0.2.2',
        random: first,
        want: { subnet: '10.244.0.128/25', reuse: false },
      },
      {
        name: 'takes the previous subnet when it is free and fits',
        cfg: config(),
        leases: [lease('10.244.1.0/24', '192.0.2.1')],
        ip: '192.0.2.2',
        previous: '10.244.42.0/24',
        want: { subnet: '10.244.42.0/24', reuse: false },
      },
      {
        name: 'skips a previous subnet someone holds',
        cfg: config(),
        leases: [lease('10.244.42.0/24', '192.0.2.1')],
        ip: '192.0.2.2',
        previous: '10.244.42.0/24',
        random: first,
        want: { subnet: '10.244.1.0/24', reuse: false },
      },
      {
        name: 'skips a previous subnet outside the network',
        cfg: config(),
        leases: [],
        ip: '192.0.2.2',
        previous: '10.245.1.0/24',
        random: first,
        want: { subnet: '10.244.1.0/24', reuse: false },
      },
      {
        name: 'skips the first subnet (SubnetMin = network + one subnet)',
        cfg: config(),
        leases: [],
        ip: '192.0.2.2',
        previous: '10.244.0.0/24',
        random: first,
        want: { subnet: '10.244.1.0/24', reuse: false },
      },
      {
        name: 'picks among free subnets, skipping held ones',
        cfg: config('10.10.0.0/22', 24),
        leases: [lease('10.10.1.0/24', '192.0.2.1'), lease('10.10.2.0/24', '192.0.2.3')],
        ip: '192.0.2.2',
        random: first,
        want: { subnet: '10.10.3.0/24', reuse: false },
      },
      {
        name: 'a held subnet of another length blocks what it overlaps',
        cfg: config('10.10.0.0/22', 25),
        leases: [lease('10.10.0.0/23', '192.0.2.1')],
        ip: '192.0.2.2',
        random: first,
        want: { subnet: '10.10.2.0/25', reuse: false },
      },
      {
        name: 'the last candidate for a random of almost 1',
        cfg: config('10.10.0.0/22', 24),
        leases: [],
        ip: '192.0.2.2',
        random: () => 0.9999,
        want: { subnet: '10.10.3.0/24', reuse: false },
      },
    ];
    for (const t of table) {
      it(t.name, () => {
        assert.deepEqual(chooseSubnet(t.cfg, t.leases, t.ip, t.previous, t.random), t.want);
      });
    }

    it('picks at random among the first 100 free subnets', () => {
      const seen = new Set<string>();
      for (let i = 0; i < 2000; i++) seen.add(chooseSubnet(config(), [], '192.0.2.2').subnet);
      // 10.244.1.0 .. 10.244.100.0: exactly the first 100 candidates, and (almost surely) all of them.
      assert.ok(seen.size > 90, `only ${seen.size} distinct picks`);
      for (const s of seen) {
        const third = Number(s.split('.')[2]);
        assert.ok(third >= 1 && third <= 100, s);
      }
    });

    it('throws naming the network when every subnet is taken', () => {
      const cfg = config('10.10.0.0/22', 24); // SubnetMin..Max: .1, .2, .3
      const leases = [lease('10.10.1.0/24', '192.0.2.1'), lease('10.10.2.0/24', '192.0.2.3'), lease('10.10.3.0/24', '192.0.2.4')];
      assert.throws(() => chooseSubnet(cfg, leases, '192.0.2.2'), (err: Error) => err instanceof SubnetUnavailableError && /10\.10\.0\.0\/22/.test(err.message) && /\/24/.test(err.message));
    });
  });

  describe('chooseSubnet with unreadable keys', () => {
    it('never picks a subnet held by an unreadable key, over many random picks', () => {
      const cfg = config('10.10.0.0/22', 24); // subnets 10.10.1-3: SubnetMin is the second
      const seen = new Set<string>();
      for (let i = 0; i < 500; i++) seen.add(chooseSubnet(cfg, [], '192.0.2.2', undefined, Math.random, ['10.10.2.0/24']).subnet);
      assert.deepEqual([...seen].sort(), ['10.10.1.0/24', '10.10.3.0/24']);
    });
    it('nor as the previous subnet', () => {
      assert.equal(chooseSubnet(config('10.10.0.0/22', 24), [], '192.0.2.2', '10.10.2.0/24', first, ['10.10.2.0/24']).subnet, '10.10.1.0/24');
    });
    it('counts them when the network is full', () => {
      const cfg = config('10.10.0.0/23', 24); // one subnet: 10.10.1.0/24
      assert.throws(() => chooseSubnet(cfg, [], '192.0.2.2', undefined, first, ['10.10.1.0/24']),
        (err: Error) => err instanceof SubnetUnavailableError && /\(0 leased, 1 held by unreadable keys\)/.test(err.message));
    });
  });

  describe('defaultSubnetLen', () => {
    for (const [net, len] of [['10.0.0.0/8', 24], ['10.244.0.0/16', 24], ['10.1.0.0/22', 24], ['10.1.0.0/23', 25], ['10.1.0.0/28', 30]] as const) {
      it(`${net} → /${len}`, () => assert.equal(defaultSubnetLen(net), len));
    }
    it('rejects a non-CIDR naming the field', () => assert.throws(() => defaultSubnetLen('nope'), /Network/));
  });

  describe('validateConfig', () => {
    it('accepts a good config and returns exactly its fields', () => {
      assert.deepEqual(validateConfig({ ...config(), extra: 1 }), config());
    });
    const bad: [string, unknown, string][] = [
      ['not an object', 'x', '(config)'],
      ['Network missing', { ...config(), Network: undefined }, 'Network'],
      ['Network IPv6', { ...config(), Network: 'fd00::/64' }, 'Network'],
      ['Network smaller than /28', config('10.0.0.0/29', 30), 'Network'],
      ['Network with host bits', config('10.244.1.0/16'), 'Network'],
      ['SubnetLen not longer than the prefix', config('10.244.0.0/16', 16), 'SubnetLen'],
      ['SubnetLen over 30', config('10.244.0.0/16', 31), 'SubnetLen'],
      ['SubnetLen not an integer', config('10.244.0.0/16', 24.5), 'SubnetLen'],
      ['Backend missing', { ...config(), Backend: undefined }, 'Backend'],
      ['Backend.Type', { ...config(), Backend: { Type: 'udp', VNI: 1, Port: 4789 } }, 'Backend.Type'],
      ['VNI 0', { ...config(), Backend: { Type: 'vxlan', VNI: 0, Port: 4789 } }, 'Backend.VNI'],
      ['VNI too big', { ...config(), Backend: { Type: 'vxlan', VNI: 16777216, Port: 4789 } }, 'Backend.VNI'],
      ['Port 0', { ...config(), Backend: { Type: 'vxlan', VNI: 1, Port: 0 } }, 'Backend.Port'],
      ['Port 65536', { ...config(), Backend: { Type: 'vxlan', VNI: 1, Port: 65536 } }, 'Backend.Port'],
    ];
    for (const [name, cfg, field] of bad) {
      it(`rejects ${name}, naming ${field}`, () => {
        assert.throws(
          () => validateConfig(cfg),
          (err: Error) => err instanceof OverlayConfigError && err.field === field && err.message.startsWith(`invalid overlay config: ${field}: `),
        );
      });
    }
  });

  describe('acquireLease', () => {
    /** An in-memory store whose createLease can be made to lose races. */
    class FakeStore implements Partial<SubnetStore> {
      leases = new Map<string, Lease>();
      cfg: OverlayConfig | undefined = config('10.10.0.0/22', 24);
      stealNext = 0;
      calls: string[] = [];
      async getConfig() {
        return this.cfg;
      }
      /** Keys that exist with a value that is no lease: listed as unreadable, and a create on them fails. */
      garbage = new Set<string>();
      async listLeases(): Promise<LeaseSnapshot> {
        const unreadable = [...this.garbage].map((subnet) => ({ subnet, reason: `etcd key /x/${subnet}: the value is not JSON` }));
        return { leases: [...this.leases.values()], revision: 1, ...(unreadable.length > 0 ? { unreadable } : {}) };
      }
      async createLease(_n: string, subnet: string, a: LeaseAttrs) {
        this.calls.push(`create ${subnet}`);
        if (this.garbage.has(subnet)) return false;
        if (this.stealNext > 0) {
          this.stealNext -= 1;
          this.leases.set(subnet, { subnet, attrs: attrs('192.0.2.99') });
          return false;
        }
        if (this.leases.has(subnet)) return false;
        this.leases.set(subnet, { subnet, attrs: a });
        return true;
      }
      async renewLease(_n: string, subnet: string, a: LeaseAttrs) {
        this.calls.push(`renew ${subnet}`);
        if (this.leases.get(subnet)?.attrs.PublicIP !== a.PublicIP) return false;
        this.leases.set(subnet, { subnet, attrs: a });
        return true;
      }
      async deleteLease(_n: string, subnet: string) {
        this.calls.push(`delete ${subnet}`);
        this.leases.delete(subnet);
      }
    }
    const acquire = (s: FakeStore, opts: Partial<Parameters<typeof acquireLease>[3]> = {}) =>
      acquireLease(s as unknown as SubnetStore, 'blue', attrs('192.0.2.2'), { ttlMs: 60_000, random: first, ...opts });

    it('creates a free subnet with an expiry ttlMs ahead', async () => {
      const s = new FakeStore();
      const before = Date.now();
      const got = await acquire(s);
      assert.equal(got.subnet, '10.10.1.0/24');
      assert.deepEqual(got.attrs, attrs('192.0.2.2'));
      assert.ok(got.expiresAt! >= before + 60_000 && got.expiresAt! <= Date.now() + 60_000);
      assert.deepEqual(s.calls, ['create 10.10.1.0/24']);
    });

    it('renews our own lease instead of creating one', async () => {
      const s = new FakeStore();
      s.leases.set('10.10.3.0/24', lease('10.10.3.0/24', '192.0.2.2', 7));
      const got = await acquire(s);
      assert.equal(got.subnet, '10.10.3.0/24');
      assert.deepEqual(s.calls, ['renew 10.10.3.0/24']);
      assert.deepEqual(s.leases.get('10.10.3.0/24')!.attrs, attrs('192.0.2.2'), 'the new attrs (VTEP MAC) are written');
    });

    it('retries after losing a race, with a fresh listing', async () => {
      const s = new FakeStore();
      s.stealNext = 2;
      const got = await acquire(s);
      assert.deepEqual(s.calls, ['create 10.10.1.0/24', 'create 10.10.2.0/24', 'create 10.10.3.0/24']);
      assert.equal(got.subnet, '10.10.3.0/24');
    });

    it('gives up after `retries` lost races, naming the network', async () => {
      const s = new FakeStore();
      s.cfg = config('10.0.0.0/8', 24);
      s.stealNext = 100;
      await assert.rejects(acquire(s, { retries: 3 }), /overlay network "blue": lost the race for a subnet 3 times/);
      assert.equal(s.calls.length, 3);
    });

    it('deletes our lease that no longer fits the config, then allocates', async () => {
      const s = new FakeStore();
      s.leases.set('10.99.0.0/24', lease('10.99.0.0/24', '192.0.2.2'));
      const got = await acquire(s);
      assert.deepEqual(s.calls, ['delete 10.99.0.0/24', 'create 10.10.1.0/24']);
      assert.equal(got.subnet, '10.10.1.0/24');
    });

    it('takes over the lease holding our VTEP MAC under an old PublicIP: deleted, its subnet created under ours', async () => {
      const s = new FakeStore();
      s.leases.set('10.10.3.0/24', lease('10.10.3.0/24', '192.0.2.50', 2)); // us, before the re-IP
      s.leases.set('10.10.1.0/24', lease('10.10.1.0/24', '192.0.2.9'));
      const got = await acquire(s, { previous: '10.10.2.0/24' });
      assert.deepEqual(s.calls, ['delete 10.10.3.0/24', 'create 10.10.3.0/24']);
      assert.equal(got.subnet, '10.10.3.0/24');
      assert.deepEqual(s.leases.get('10.10.3.0/24')!.attrs, attrs('192.0.2.2'));
    });

    it('never tries a subnet held by an unreadable key (no create on it), and reports it', async () => {
      const s = new FakeStore();
      s.garbage.add('10.10.1.0/24');
      const told: string[] = [];
      const got = await acquire(s, { previous: '10.10.1.0/24', onUnreadable: (u) => told.push(`${u.subnet}: ${u.reason}`) });
      assert.equal(got.subnet, '10.10.2.0/24');
      assert.deepEqual(s.calls, ['create 10.10.2.0/24']);
      assert.deepEqual(told, ['10.10.1.0/24: etcd key /x/10.10.1.0/24: the value is not JSON']);
    });

    it('prefers the previous subnet', async () => {
      const s = new FakeStore();
      assert.equal((await acquire(s, { previous: '10.10.2.0/24' })).subnet, '10.10.2.0/24');
    });

    it('fails naming the network when it is full or has no config', async () => {
      const s = new FakeStore();
      for (const n of [1, 2, 3]) s.leases.set(`10.10.${n}.0/24`, lease(`10.10.${n}.0/24`, `192.0.2.${10 + n}`));
      await assert.rejects(acquire(s), (err: Error) => err instanceof SubnetUnavailableError && err.message.startsWith('overlay network "blue": no free /24 subnet left in 10.10.0.0/22'));
      s.cfg = undefined;
      await assert.rejects(acquire(s), /overlay network "blue" has no config in the store/);
    });
  });
});
