import assert from 'node:assert/strict';
import { parseDuration, parseOptions, parseStore, UsageError } from '../../../../cmd/berthd/config';

describe('berthd: options', () => {
  it('has defaults: file store under the state dir, 1h TTL for it, 30 s resync', () => {
    const o = parseOptions(['run']);
    assert.deepEqual(o, {
      command: 'run', store: { kind: 'file', path: '/var/lib/berth/berthd/store.json' }, prefix: '/berth/overlay', networks: [],
      stateDir: '/var/lib/berth/berthd', runDir: '/run/berth', leaseTtlMs: 3_600_000, resyncMs: 30_000,
      berthRoot: '/var/lib/berth', cniDir: '/var/lib/cni', resolvConf: '/etc/resolv.conf',
    });
  });

  it('parses every flag, repeated --network, and --flag=value', () => {
    const o = parseOptions(['--store', 'etcd:10.0.0.1:2379,10.0.0.2:2379', '--prefix=/x/', '--network', 'a', '--network', 'b', '--network', 'a',
      '--iface', 'eth1', '--public-ip', '10.0.0.9', '--state-dir', '/s', '--run-dir', '/r', '--lease-ttl', '5s', '--resync', '500ms']);
    assert.deepEqual(o.store, { kind: 'etcd', endpoints: ['10.0.0.1:2379', '10.0.0.2:2379'] });
    assert.equal(o.prefix, '/x');
    assert.deepEqual(o.networks, ['a', 'b']);
    assert.equal(o.iface, 'eth1');
    assert.equal(o.publicIP, '10.0.0.9');
    assert.equal(o.leaseTtlMs, 5000);
    assert.equal(o.resyncMs, 500);
  });

  it('defaults the etcd TTL to 24 h, and reads the environment (flags win)', () => {
    const env = { BERTHD_STORE: 'etcd:h:2379', BERTHD_NETWORKS: 'a, b', BERTHD_RESYNC: '2s' };
    const o = parseOptions(['--resync', '3s'], env);
    assert.equal(o.leaseTtlMs, 24 * 3_600_000);
    assert.deepEqual(o.networks, ['a', 'b']);
    assert.equal(o.resyncMs, 3000);
  });

  it('parses leave, which needs a network', () => {
    assert.equal(parseOptions(['leave', '--network', 'ov']).command, 'leave');
    assert.throws(() => parseOptions(['leave']), /leave needs --network/);
  });

  const bad: [string[], RegExp][] = [
    [['--bogus', 'x'], /unknown flag --bogus/],
    [['--store'], /--store needs a value/],
    [['--store', 'redis:x'], /want file:<path> or etcd/],
    [['--store', 'file:relative'], /absolute path/],
    [['--store', 'etcd:'], /etcd needs host:port/],
    [['--store', 'etcd:nohost'], /not host:port/],
    [['--network', '../x'], /--network "..\/x"/],
    [['--public-ip', '300.1.1.1'], /--public-ip "300.1.1.1" is not an IPv4 address/],
    [['--lease-ttl', '1s'], /shorter than 2s/],
    [['--lease-ttl', 'soon'], /--lease-ttl "soon" is not a duration/],
    [['--resync', '10ms'], /shorter than 100ms/],
    [['--prefix', 'x'], /must start with/],
    [['--iface', 'a', '--iface', 'b'], /given twice/],
    [['stray'], /unexpected argument "stray"/],
  ];
  for (const [argv, why] of bad) {
    it(`refuses ${argv.join(' ')}`, () => {
      assert.throws(() => parseOptions(argv), (err: unknown) => err instanceof UsageError && why.test(err.message));
    });
  }

  it('parses durations and stores', () => {
    assert.equal(parseDuration('24h', 'x'), 86_400_000);
    assert.equal(parseDuration('1.5m', 'x'), 90_000);
    assert.equal(parseDuration('7', 'x'), 7000);
    assert.deepEqual(parseStore('etcd:http://a:1'), { kind: 'etcd', endpoints: ['http://a:1'] });
  });
});
