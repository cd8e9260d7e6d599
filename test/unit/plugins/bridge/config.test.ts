import assert from 'node:assert/strict';
import { loadConfig, type NetConf } from '../../../../lib/cni';
import { DEFAULT_BRIDGE, collectVlanTrunk, loadBridgeConfig, type ConfigVerb } from '../../../../plugins/bridge/config';
import { confOf, throwsCni } from '../../../helpers/unit-plugin';

/** The config as the dispatcher hands it over: decoded and base-validated from JSON text. */
const conf = (extra: Record<string, unknown> = {}): NetConf => confOf('bridge', extra);
const load = (extra: Record<string, unknown> = {}, cniArgs = '', verb: ConfigVerb = 'ADD') => loadBridgeConfig(conf(extra), cniArgs, verb);

describe('plugins/bridge/config', () => {
  describe('defaults (the reference NetConf)', () => {
    const d = load();
    const table: Array<[string, unknown]> = [
      ['bridge', DEFAULT_BRIDGE], ['isGateway', false], ['isDefaultGateway', false], ['forceAddress', false],
      ['ipMasq', false], ['ipMasqBackend', undefined], ['mtu', 0], ['hairpinMode', false], ['promiscMode', false],
      ['vlan', 0], ['vlans', []], ['vlanFiltering', false], ['preserveDefaultVlan', false], ['macspoofchk', false],
      ['enabledad', false], ['disableContainerInterface', false], ['portIsolation', false], ['mac', undefined],
      ['ipamType', ''], ['dns', undefined],
    ];
    for (const [key, want] of table) {
      it(`${key} defaults to ${JSON.stringify(want)}`, () => assert.deepEqual((d as unknown as Record<string, unknown>)[key], want));
    }
    it('cni0 is the default bridge, as in the reference', () => assert.equal(DEFAULT_BRIDGE, 'cni0'));
  });

  describe('every key is read', () => {
    const bools = ['isGateway', 'isDefaultGateway', 'forceAddress', 'ipMasq', 'hairpinMode', 'promiscMode', 'preserveDefaultVlan',
      'macspoofchk', 'enabledad', 'disableContainerInterface', 'portIsolation'];
    for (const key of bools) {
      it(`${key}: true is read (CHECK: no exclusivity checks), null means the default`, () => {
        assert.equal((load({ [key]: true }, '', 'CHECK') as unknown as Record<string, unknown>)[key], true);
        assert.equal((load({ [key]: null }) as unknown as Record<string, unknown>)[key], false);
      });
    }
    it('isDefaultGateway implies isGateway', () => assert.equal(load({ isDefaultGateway: true }).isGateway, true));
    it('bridge, mtu, vlan, ipMasqBackend, ipam.type, dns', () => {
      const c = load({ bridge: 'br-x', mtu: 9000, vlan: 12, ipMasqBackend: 'nftables', ipam: { type: 'host-local' }, dns: { nameservers: ['10.0.0.1'] } });
      assert.deepEqual([c.bridge, c.mtu, c.vlan, c.vlanFiltering, c.ipMasqBackend, c.ipamType, c.dns], ['br-x', 9000, 12, true, 'nftables', 'host-local', { nameservers: ['10.0.0.1'] }]);
    });
    it('an empty ipam (or ipam.type "") is L2 mode', () => {
      assert.equal(load({ ipam: {} }).ipamType, '');
      assert.equal(load({ ipam: { type: '' } }).ipamType, '');
    });
    it('null or "" bridge means cni0', () => {
      assert.equal(load({ bridge: null }).bridge, 'cni0');
      assert.equal(load({ bridge: '' }).bridge, 'cni0');
    });
    it('an empty dns object does not override the IPAM DNS (dnsConfSet)', () => assert.equal(load({ dns: {} }).dns, undefined));
    it('unknown keys pass through', () => assert.equal(load({ somethingElse: { x: 1 } }).bridge, 'cni0'));
  });

  describe('container MAC: CNI_ARGS MAC= < args.cni.mac < runtimeConfig.mac', () => {
    const a = '0a:58:0a:00:00:01';
    const b = '0a:58:0a:00:00:02';
    const c = '0a:58:0a:00:00:03';
    it('CNI_ARGS alone', () => assert.equal(load({}, `IgnoreUnknown=1;MAC=${a}`).mac, a));
    it('args.cni.mac wins over CNI_ARGS', () => assert.equal(load({ args: { cni: { mac: b } } }, `MAC=${a}`).mac, b));
    it('runtimeConfig.mac wins over both', () => assert.equal(load({ args: { cni: { mac: b } }, runtimeConfig: { mac: c } }, `MAC=${a}`).mac, c));
    it('an empty or null MAC is absent', () => {
      assert.equal(load({ runtimeConfig: { mac: '' }, args: { cni: { mac: null } } }, `MAC=${a}`).mac, a);
    });
    it('upper case and dashes are normalised', () => assert.equal(load({ runtimeConfig: { mac: '0A-58-0A-00-00-0F' } }).mac, '0a:58:0a:00:00:0f'));
    it('CNI_ARGS IP= is accepted (it is for the IPAM plugin)', () => assert.equal(load({}, 'IP=10.1.0.5').mac, undefined));
  });

  describe('errors: code and message', () => {
    const cases: Array<[string, Record<string, unknown>, string, number, RegExp]> = [
      ['vlan above 4094', { vlan: 4095 }, '', 7, /^invalid config: \/vlan: invalid VLAN ID 4095 \(must be between 0 and 4094\)$/],
      ['negative vlan', { vlan: -1 }, '', 7, /\/vlan: invalid VLAN ID -1/],
      ['huge vlan', { vlan: 1e20 }, '', 7, /\/vlan: invalid VLAN ID 100000000000000000000/],
      ['fractional vlan', { vlan: 1.5 }, '', 7, /\/vlan must be integer,null \(got 1\.5\)/],
      ['string vlan', { vlan: '5' }, '', 7, /\/vlan must be integer,null \(got "5"\)|\/vlan must be integer/],
      ['mtu 10', { mtu: 10 }, '', 7, /^invalid config: \/mtu: must be 0 \(the kernel's default\) or between 68 and 65535 \(got 10\)$/],
      ['negative mtu', { mtu: -1500 }, '', 7, /\/mtu: .*\(got -1500\)/],
      ['huge mtu', { mtu: 4294967296 }, '', 7, /\/mtu: .*\(got 4294967296\)/],
      ['string bool (the cni.dev doc example)', { portIsolation: 'true' }, '', 7, /\/portIsolation must be boolean,null \(got "true"\)|\/portIsolation must be boolean/],
      ['unknown backend', { ipMasqBackend: 'ipchains' }, '', 7, /\/ipMasqBackend must be one of "iptables", "nftables", null \(got "ipchains"\)/],
      ['bridge name too long', { bridge: 'a-very-long-bridge-name' }, '', 7, /\/bridge: invalid interface name "a-very-long-bridge-name"/],
      ['bridge name with a slash', { bridge: 'br/0' }, '', 7, /\/bridge: invalid interface name "br\/0"/],
      ['bridge name with a NUL byte', { bridge: 'br\u00000' }, '', 7, /\/bridge: invalid interface name "br\\u00000"/],
      ['bridge name a number', { bridge: 7 }, '', 7, /\/bridge must be string/],
      ['hairpin and promisc', { hairpinMode: true, promiscMode: true }, '', 7, /cannot set hairpin mode and promiscuous mode at the same time/],
      ['IPAM with disableContainerInterface', { disableContainerInterface: true, ipam: { type: 'host-local' } }, '', 7, /cannot use IPAM when DisableContainerInterface flag is set/],
      ['bad MAC in runtimeConfig', { runtimeConfig: { mac: 'zz:zz' } }, '', 7, /^invalid config: \/runtimeConfig\/mac: not a MAC address .*\(got "zz:zz"\)$/],
      ['multicast MAC', { args: { cni: { mac: '01:00:5e:00:00:01' } } }, '', 7, /\/args\/cni\/mac: a multicast MAC address/],
      ['all-zero MAC', { runtimeConfig: { mac: '00:00:00:00:00:00' } }, '', 7, /all-zero MAC/],
      ['MAC with a NUL byte', { runtimeConfig: { mac: '0a:58:0a:00:00:0\u0000' } }, '', 7, /\(got "0a:58:0a:00:00:0\\u0000"\)/],
      ['bad MAC in CNI_ARGS (code 4, an env var)', {}, 'MAC=nope', 4, /^CNI_ARGS MAC: not a MAC address/],
      ['unknown CNI_ARGS key', {}, 'FOO=1', 4, /CNI_ARGS: unknown args \["FOO=1"\]/],
      ['mac of the wrong type', { runtimeConfig: { mac: 5 } }, '', 7, /\/runtimeConfig\/mac must be string/],
      ['trunk entry not an object', { vlanTrunk: [5] }, '', 7, /\/vlanTrunk\/0 must be object/],
      ['trunk minID 0', { vlanTrunk: [{ minID: 0, maxID: 5 }] }, '', 7, /\/vlanTrunk\/0\/minID: incorrect trunk minID parameter/],
      ['trunk maxID 4095', { vlanTrunk: [{ minID: 1, maxID: 4095 }] }, '', 7, /\/vlanTrunk\/0\/maxID: incorrect trunk maxID parameter/],
      ['trunk min > max', { vlanTrunk: [{ minID: 9, maxID: 5 }] }, '', 7, /minID is greater than maxID in trunk parameter/],
      ['trunk maxID alone', { vlanTrunk: [{ maxID: 5 }] }, '', 7, /minID and maxID should be configured simultaneously, minID is missing/],
      ['trunk minID alone', { vlanTrunk: [{ minID: 5 }] }, '', 7, /minID and maxID should be configured simultaneously, maxID is missing/],
      ['trunk id 0', { vlanTrunk: [{ id: 0 }] }, '', 7, /\/vlanTrunk\/0\/id: incorrect trunk id parameter/],
      ['trunk id negative', { vlanTrunk: [{ id: -3 }] }, '', 7, /incorrect trunk id parameter \(got -3/],
    ];
    for (const [name, extra, args, code, msg] of cases) {
      it(`${name} → ${code}`, () => throwsCni(() => load(extra, args), code, msg));
    }
    it('the exclusive pairs are only refused at ADD (DEL must still clean up)', () => {
      assert.doesNotThrow(() => load({ hairpinMode: true, promiscMode: true }, '', 'CHECK'));
      assert.doesNotThrow(() => load({ disableContainerInterface: true, ipam: { type: 'host-local' } }, '', 'CHECK'));
    });
    it('1e400 in the JSON text (Infinity once parsed) is refused, not taken for a number', () => {
      const text = '{"cniVersion":"1.0.0","name":"n","type":"bridge","vlan":1e400}';
      throwsCni(() => loadBridgeConfig(loadConfig(text), '', 'ADD'), 7, /\/vlan.*Infinity/);
      const mtu = '{"cniVersion":"1.0.0","name":"n","type":"bridge","mtu":-1e400}';
      throwsCni(() => loadBridgeConfig(loadConfig(mtu), '', 'ADD'), 7, /\/mtu.*-Infinity/);
    });
    it('a network name with a NUL byte is refused by the base schema (code 7)', () => {
      throwsCni(() => conf({ name: 'a\u0000b' }), 7, /\/name must match pattern/);
    });
  });

  describe('vlanTrunk', () => {
    it('merges ids and ranges, sorted and unique', () => {
      assert.deepEqual(collectVlanTrunk([{ id: 7 }, { minID: 3, maxID: 5 }, { id: 4 }, { minID: 1, maxID: 1, id: 9 }]), [1, 3, 4, 5, 7, 9]);
    });
    it('an empty trunk still turns VLAN filtering on, as in the reference (VlanTrunk != nil)', () => {
      const c = load({ vlanTrunk: [] });
      assert.deepEqual([c.vlans, c.vlanFiltering], [[], true]);
    });
    it('null entries in an item mean absent', () => assert.deepEqual(collectVlanTrunk([{ id: null, minID: 2, maxID: 3 }]), [2, 3]));
  });
});
