import assert from 'node:assert/strict';
import { attachmentAlias, eventIndex, portReady, randomVethName, sysctlPath } from '../../../../lib/iface';
import type { Link } from '../../../../lib/netlink';

const link = (over: Partial<Link>): Link => ({ kind: 'veth', index: 5, name: 'veth0', mtu: 1500, flags: 0, up: true, operState: 'up', ...over } as Link);

describe('lib/iface (pure parts)', () => {
  it('sysctlPath keeps keys under /proc/sys/net', () => {
    assert.equal(sysctlPath('net/ipv6/conf/eth0.100/accept_dad'), '/proc/sys/net/ipv6/conf/eth0.100/accept_dad');
    for (const bad of ['kernel/hostname', 'net/../kernel/x', 'net/ipv4//ip_forward', 'net/a\0b', '/net/ipv4/ip_forward', 'net/./x']) {
      assert.throws(() => sysctlPath(bad), /invalid sysctl key/, bad);
    }
  });
  it('randomVethName is veth + 8 hex digits, and varies', () => {
    const names = new Set(Array.from({ length: 20 }, randomVethName));
    for (const n of names) assert.match(n, /^veth[0-9a-f]{8}$/);
    assert.ok(names.size > 15);
  });
  it('attachmentAlias is readable, and hashed when too long for IFLA_IFALIAS', () => {
    assert.equal(attachmentAlias('net1', 'c1', 'eth0'), 'cni net1 c1 eth0');
    const long = attachmentAlias('n'.repeat(200), 'c'.repeat(64), 'eth0');
    assert.match(long, /^cni sha256 [0-9a-f]{64}$/);
    assert.equal(long, attachmentAlias('n'.repeat(200), 'c'.repeat(64), 'eth0'));
  });
  it('portReady: operationally up and no longer disabled on the bridge', () => {
    assert.equal(portReady(link({ bridgePort: { state: 3 } })), true);
    assert.equal(portReady(link({ bridgePort: { state: 1 } })), true); // STP listening, as the reference accepts
    assert.equal(portReady(link({ bridgePort: { state: 0 } })), false);
    assert.equal(portReady(link({ operState: 'lowerlayerdown', bridgePort: { state: 3 } })), false);
    assert.equal(portReady(link({})), true); // not a bridge port: operational state alone
  });
  it('eventIndex reads the ifindex of link and address events', () => {
    const body = Buffer.alloc(16);
    body.writeInt32LE(42, 4);
    assert.equal(eventIndex({ type: 16, flags: 0, seq: 0, pid: 0, body }), 42);
    assert.equal(eventIndex({ type: 16, flags: 0, seq: 0, pid: 0, body: Buffer.alloc(4) }), undefined);
  });
});
