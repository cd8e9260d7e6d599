import assert from 'node:assert/strict';
import type { NetConf } from '../../../../lib/cni';
import { parseIP, parseCidr } from '../../../../lib/ip';
import { containerAddresses } from '../../../../plugins/portmap/addresses';
import { DEFAULT_MARK_BIT, backendForCleanup, loadPortmapConfig } from '../../../../plugins/portmap/config';
import { confOf, throwsCni } from '../../../helpers/unit-plugin';

const conf = (extra: Record<string, unknown> = {}): NetConf => confOf('portmap', extra);
const load = (extra: Record<string, unknown> = {}) => loadPortmapConfig(conf(extra));
const maps = (...portMappings: object[]) => ({ runtimeConfig: { portMappings } });

describe('plugins/portmap/config', () => {
  it("has the reference's defaults: snat on, mark bit 13, no backend chosen, no mappings", () => {
    const d = load();
    assert.deepEqual([d.snat, d.masqAll, d.markBit, d.setMarkChain, d.backend, d.mappings, d.conditionsV4], [true, false, DEFAULT_MARK_BIT, undefined, undefined, [], []]);
  });
  it('reads mappings: protocol lower-cased (tcp when absent), hostIP parsed, "" meaning any', () => {
    const m = load(maps({ hostPort: 80, containerPort: 8080, protocol: 'UDP', hostIP: '10.0.0.1' }, { hostPort: 443, containerPort: 443 }, { hostPort: 1, containerPort: 2, hostIP: '' })).mappings;
    assert.deepEqual(m, [
      { hostPort: 80, containerPort: 8080, protocol: 'udp', hostIP: parseIP('10.0.0.1') },
      { hostPort: 443, containerPort: 443, protocol: 'tcp' },
      { hostPort: 1, containerPort: 2, protocol: 'tcp' },
    ]);
  });
  it("accepts containerd's untagged Go field names (HostPort, ContainerPort, Protocol, HostIP), as Go's JSON does", () => {
    const m = load(maps({ HostPort: 80, ContainerPort: 8080, Protocol: 'tcp', HostIP: '' }, { hostport: 1, containerPort: 2, CONTAINERPORT: 3 })).mappings;
    assert.deepEqual(m, [{ hostPort: 80, containerPort: 8080, protocol: 'tcp' }, { hostPort: 1, containerPort: 2, protocol: 'tcp' }]);
  });
  const refused: Array<[string, Record<string, unknown>, RegExp]> = [
    ['port 0', maps({ hostPort: 0, containerPort: 80 }), /\/runtimeConfig\/portMappings\/0\/hostPort: invalid port number 0/],
    ['a negative port', maps({ hostPort: 80, containerPort: -1 }), /containerPort: invalid port number -1/],
    ['a port above 65535', maps({ hostPort: 65536, containerPort: 80 }), /hostPort: invalid port number 65536/],
    ['a fractional port', maps({ hostPort: 80.5, containerPort: 80 }), /hostPort/],
    ['a string port', maps({ hostPort: '80', containerPort: 80 }), /hostPort/],
    ['a missing port', maps({ hostPort: 80 }), /containerPort/],
    ['an unknown protocol', maps({ hostPort: 80, containerPort: 80, protocol: 'icmp' }), /protocol: unsupported protocol "icmp"/],
    ['a bad hostIP', maps({ hostPort: 80, containerPort: 80, hostIP: '1.2.3' }), /hostIP: "1.2.3" is not an IP address/],
    ['a NUL in hostIP', maps({ hostPort: 80, containerPort: 80, hostIP: '1.2.3.4\u0000' }), /hostIP/],
    ['mark bit 32', { markMasqBit: 32 }, /markMasqBit: MasqMarkBit must be between 0 and 31/],
    ['mark bit -1', { markMasqBit: -1 }, /markMasqBit/],
    ['both mark keys', { markMasqBit: 3, externalSetMarkChain: 'MARKER' }, /Cannot specify externalSetMarkChain and markMasqBit/],
    ['a chain name with a space', { externalSetMarkChain: 'A B' }, /externalSetMarkChain: "A B" is not an iptables chain name/],
    ['an unknown backend', { backend: 'ebtables' }, /backend: unrecognized backend "ebtables"/],
    ['nft conditions with backend iptables', { backend: 'iptables', conditionsV4: ['ip saddr 1.2.3.4'] }, /iptables backend was requested but configuration contains nftables-specific options \[conditionsV4\]/],
    ['iptables keys with backend nftables', { backend: 'nftables', externalSetMarkChain: 'X' }, /nftables backend was requested but configuration contains iptables-specific options \[externalSetMarkChain\]/],
    ['a line break in a condition', { conditionsV4: ['-s 1.2.3.4\n-A INPUT -j ACCEPT'] }, /conditionsV4\/0: must not contain a line break/],
    ['mappings that are not an array', { runtimeConfig: { portMappings: {} } }, /portMappings/],
  ];
  for (const [what, extra, msg] of refused) it(`refuses ${what} with code 7 naming the key`, () => throwsCni(() => load(extra), 7, msg));

  it('infers the backend from backend-specific keys, as far as they agree', () => {
    assert.equal(load({ conditionsV4: ['-d', '1.2.3.4'] }).backend, 'iptables');
    assert.equal(load({ externalSetMarkChain: 'KUBE-MARK-MASQ' }).backend, 'iptables');
    assert.equal(load({ conditionsV6: ['ip6 saddr fd00::1'] }).backend, 'nftables');
    throwsCni(() => load({ externalSetMarkChain: 'X', conditionsV6: ['ip6 saddr fd00::1'] }), 7, /nftables-specific options \[conditionsV6\]/);
  });
  it('DEL and GC read the backend only when it is valid', () => {
    assert.equal(backendForCleanup(conf({ backend: 'nftables' })), 'nftables');
    assert.equal(backendForCleanup(conf({ backend: 7 })), undefined);
    assert.equal(backendForCleanup(conf({ backend: 'pf' })), undefined);
  });
});

describe('plugins/portmap/addresses', () => {
  const sandbox = '/run/netns/c';
  it("takes the first IPv4 and IPv6 address of CNI_IFNAME's container interface, as the reference does", () => {
    const prev = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'cni0' }, { name: 'eth0', sandbox }, { name: 'eth1', sandbox }],
      ips: [
        { interface: 0, address: '10.1.0.1/24' }, // the host side
        { interface: 2, address: '10.2.0.2/24' }, // another container interface
        { interface: 1, address: '10.0.0.2/24' },
        { interface: 1, address: '10.0.0.3/24' },
        { address: 'fd00::2/64' }, // no index: counts
      ],
    };
    assert.deepEqual(containerAddresses(prev, 'eth0'), [parseCidr('10.0.0.2/24'), parseCidr('fd00::2/64')]);
    assert.deepEqual(containerAddresses({ cniVersion: '1.0.0' }, 'eth0'), []);
  });
});
