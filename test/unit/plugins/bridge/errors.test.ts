import assert from 'node:assert/strict';
import { CniError, loadConfig, toCniError } from '../../../../lib/cni';
import { markRetryable } from '../../../../lib/util';
import { FirewallError } from '../../../../lib/firewall';
import { BridgeVlanUnsupportedError, NetlinkError } from '../../../../lib/netlink';
import { AddressConflictError, IfaceConfigError, InterfaceExistsError, NotABridgeError, PortDownError } from '../../../../lib/iface';
import { loadBridgeConfig } from '../../../../plugins/bridge/config';
import { BridgeCode, toBridgeError } from '../../../../plugins/bridge/errors';

const conf = (extra: object = {}) => loadBridgeConfig(loadConfig(JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'bridge', ...extra })), '', 'CHECK');
const code = (err: unknown) => toCniError(toBridgeError(err, conf())).code;

describe('plugins/bridge/errors', () => {
  it('names each lib/iface failure with its own code (never 999)', () => {
    assert.equal(code(new InterfaceExistsError('eth0', 'veth12345678')), BridgeCode.InterfaceExists);
    assert.equal(code(new NotABridgeError('cni0', 'veth')), BridgeCode.NotABridge);
    assert.equal(code(new AddressConflictError('cni0', '10.1.0.1/24', '10.9.0.1/24')), BridgeCode.AddressConflict);
    assert.equal(code(new PortDownError({ kind: 'veth', index: 3, name: 'v', mtu: 1500, flags: 0, up: true, operState: 'lowerlayerdown' })), BridgeCode.PortDown);
  });
  it('a firewall command refused is 117, unless it was lock contention (11); a refused route or address is 118', () => {
    assert.equal(code(new FirewallError('iptables-restore -w 5 --noflush', 1, 'line 2 failed')), BridgeCode.FirewallFailed);
    assert.equal(code(markRetryable(new FirewallError('iptables-restore -w 5 --noflush', 4, 'xtables lock'))), 11);
    assert.equal(code(new IfaceConfigError("failed to add route '10.0.0.0/8 via 10.9.9.9 dev eth0': ENETUNREACH", new NetlinkError('RTM_NEWROUTE', 101))), BridgeCode.IfaceConfigFailed);
  });
  it('keeps the reference wording', () => {
    assert.equal(new InterfaceExistsError('eth0', 'vethabcdef01').message, 'container veth name ("eth0") peer provided ("vethabcdef01") already exists');
    assert.match(new NotABridgeError('cni0', 'veth').message, /^"cni0" already exists but is not a bridge/);
    assert.match(new AddressConflictError('cni0', '10.1.0.1/24', '10.9.0.1/24').message, /^"cni0" already has an IP address different from 10\.1\.0\.1\/24/);
  });
  it('a kernel without VLAN filtering is code 2 naming vlan or vlanTrunk and the value', () => {
    const kernel = new BridgeVlanUnsupportedError(new NetlinkError('RTM_NEWLINK', 95));
    const v = toCniError(toBridgeError(kernel, conf({ vlan: 100 }))) as CniError;
    assert.equal(v.code, 2);
    assert.match(v.message, /^vlan 100: this kernel has no bridge VLAN filtering/);
    const t = toCniError(toBridgeError(kernel, conf({ vlanTrunk: [{ minID: 10, maxID: 12 }] })));
    assert.match(t.message, /^vlanTrunk \[10,11,12\]:/);
  });
  it('passes CniErrors and unknown errors through to the dispatcher', () => {
    const e = new CniError(101, 'taken');
    assert.equal(toBridgeError(e, conf()), e);
    assert.equal(code(new Error('boom')), 999);
  });
});
