import assert from 'node:assert/strict';
import { TYPE, containerResolvConf, findAsker, lookup, recordAddress, reverseName, upstreamServers, type DnsEndpoint } from '../../../../lib/dns';
import { formatIP, parseIP } from '../../../../lib/ip';

const id = (c: string): string => c.repeat(64);
const eps: DnsEndpoint[] = [
  { network: 'a', containerId: id('1'), name: 'web', aliases: ['front'], addresses: ['10.0.0.2/24'] },
  { network: 'a', containerId: id('2'), name: 'client', aliases: [], addresses: ['10.0.0.3/24'] },
  { network: 'b', containerId: id('3'), name: 'db', aliases: [], addresses: ['10.1.0.2/24'] },
  { network: 'b', containerId: id('2'), name: 'client', aliases: [], addresses: ['10.1.0.3/24'] },
];
const ask = (from: string, network: string, name: string, type: number = TYPE.A) =>
  lookup(eps, { network, containerId: findAsker(eps, network, parseIP(from)!)! }, { name, type, class: 1 });
const addrs = (l: ReturnType<typeof lookup>): string[] => (l.kind === 'answer' ? l.records.map((r) => formatIP(recordAddress(r)!)) : [l.kind]);

describe('lib/dns/name-table', () => {
  it('name, alias, short ID and name.network resolve on a shared network; case does not matter', () => {
    for (const n of ['web', 'front', '111111111111', 'web.a', 'WEB.A.']) assert.deepEqual(addrs(ask('10.0.0.3', 'a', n)), ['10.0.0.2'], n);
  });
  it('a container on two networks sees both; one on b alone does not see a', () => {
    assert.deepEqual(addrs(ask('10.0.0.3', 'a', 'db')), ['10.1.0.2']);
    assert.deepEqual(addrs(ask('10.1.0.2', 'b', 'web')), ['forward']);
    assert.deepEqual(addrs(ask('10.1.0.2', 'b', 'web.b')), ['nxdomain']);
  });
  it('an address that is no container of the network is no asker; a new container sees its network before its endpoint is stored', () => {
    assert.equal(findAsker(eps, 'a', parseIP('10.1.0.2')!), undefined);
    assert.deepEqual(addrs(lookup(eps, { network: 'a', containerId: id('9') }, { name: 'web', type: TYPE.A, class: 1 })), ['10.0.0.2']);
  });
  it('AAAA of an IPv4-only container and other types are empty answers; PTR gives name.network', () => {
    assert.deepEqual(ask('10.0.0.3', 'a', 'web', TYPE.AAAA), { kind: 'answer', records: [] });
    assert.deepEqual(ask('10.0.0.3', 'a', 'web', TYPE.MX), { kind: 'answer', records: [] });
    const ptr = ask('10.0.0.3', 'a', reverseName(parseIP('10.0.0.2')!), TYPE.PTR);
    assert.equal(ptr.kind, 'answer');
    assert.equal(ptr.kind === 'answer' && ptr.records[0]!.data.toString('latin1'), '\x03web\x01a\x00');
    assert.deepEqual(addrs(ask('10.0.0.3', 'a', reverseName(parseIP('10.9.9.9')!), TYPE.PTR)), ['forward']);
  });
  it('resolv.conf: the resolver with ndots:0, --dns-search "." clears, the default bridge drops loopback servers', () => {
    const host = 'nameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch lan\noptions edns0\n';
    assert.equal(containerResolvConf(host, { servers: [], search: [], options: [] }, '10.0.0.1'), 'nameserver 10.0.0.1\nsearch lan\noptions edns0 ndots:0\n');
    assert.equal(containerResolvConf(host, { servers: [], search: ['.'], options: ['ndots:2'] }, '10.0.0.1'), 'nameserver 10.0.0.1\noptions ndots:2\n');
    assert.equal(containerResolvConf(host, { servers: [], search: [], options: [] }), 'nameserver 192.0.2.1\nsearch lan\noptions edns0\n');
    assert.deepEqual(upstreamServers(host), ['127.0.0.53', '192.0.2.1']);
    assert.deepEqual(upstreamServers(host, ['192.0.2.9']), ['192.0.2.9']);
    assert.deepEqual(upstreamServers(''), ['8.8.8.8', '8.8.4.4']);
  });
});
