import assert from 'node:assert/strict';
import { loadConfig, type NetConf } from '../../../../lib/cni';
import { DEFAULT_MODE, MODES, ipamTypeOf, loadMacvlanConfig } from '../../../../plugins/macvlan/config';
import { confOf, throwsCni } from '../../../helpers/unit-plugin';

/** The config as the dispatcher hands it over: decoded and base-validated from JSON text. */
const conf = (extra: Record<string, unknown> = {}): NetConf => confOf('macvlan', extra);
const load = (extra: Record<string, unknown> = {}, cniArgs = '') => loadMacvlanConfig(conf(extra), cniArgs);

describe('plugins/macvlan/config', () => {
  describe('defaults (the reference NetConf)', () => {
    const d = load() as unknown as Record<string, unknown>;
    const table: Array<[string, unknown]> = [
      ['network', 'net1'], ['cniVersion', '1.0.0'], ['master', undefined], ['mode', 'bridge'], ['macaddrs', []], ['mtu', 0],
      ['mac', undefined], ['linkInContainer', false], ['bcQueueLen', 0], ['ipamType', ''], ['dns', undefined],
    ];
    for (const [key, want] of table) {
      it(`${key} defaults to ${JSON.stringify(want)}`, () => assert.deepEqual(d[key], want));
    }
    it('bridge is the default mode, as in the reference', () => assert.equal(DEFAULT_MODE, 'bridge'));
    it('null and "" mean the default for master, mode, mtu, mac, linkInContainer, bcqueuelen, macaddrs', () => {
      const n = load({ master: null, mode: null, mtu: null, mac: null, linkInContainer: null, bcqueuelen: null, macaddrs: null });
      assert.deepEqual([n.master, n.mode, n.mtu, n.mac, n.linkInContainer, n.bcQueueLen, n.macaddrs], [undefined, 'bridge', 0, undefined, false, 0, []]);
      const e = load({ master: '', mode: '', mac: '' });
      assert.deepEqual([e.master, e.mode, e.mac], [undefined, 'bridge', undefined]);
    });
  });

  describe('every key is read', () => {
    for (const mode of MODES.filter((m) => m !== 'source')) {
      it(`mode ${mode}`, () => assert.equal(load({ mode }).mode, mode));
    }
    it('mode source with its MAC list, normalised and without duplicates', () => {
      const c = load({ mode: 'source', macaddrs: ['0A:58:00:00:00:01', '0a-58-00-00-00-02', '0a:58:00:00:00:01'] });
      assert.deepEqual([c.mode, c.macaddrs], ['source', ['0a:58:00:00:00:01', '0a:58:00:00:00:02']]);
    });
    it('master, mtu, linkInContainer, bcqueuelen, ipam.type, dns', () => {
      const c = load({ master: 'eth1', mtu: 1400, linkInContainer: true, bcqueuelen: 100, ipam: { type: 'host-local' }, dns: { nameservers: ['10.0.0.1'] } });
      assert.deepEqual([c.master, c.mtu, c.linkInContainer, c.bcQueueLen, c.ipamType, c.dns], ['eth1', 1400, true, 100, 'host-local', { nameservers: ['10.0.0.1'] }]);
    });
    it('mtu bounds 68 and 65535 are accepted', () => {
      assert.equal(load({ mtu: 68 }).mtu, 68);
      assert.equal(load({ mtu: 65535 }).mtu, 65535);
    });
    it('an empty ipam (or ipam.type "") is L2 mode', () => {
      assert.equal(load({ ipam: {} }).ipamType, '');
      assert.equal(load({ ipam: { type: '' } }).ipamType, '');
    });
    it('an empty dns object is "not set"', () => assert.equal(load({ dns: {} }).dns, undefined));
    it('unknown keys and capabilities pass through', () => assert.equal(load({ other: { x: 1 }, capabilities: { mac: true } }).mode, 'bridge'));
  });

  describe('container MAC: config mac < CNI_ARGS MAC= < runtimeConfig.mac', () => {
    const [a, b, c] = ['0a:58:0a:00:00:01', '0a:58:0a:00:00:02', '0a:58:0a:00:00:03'];
    it('config alone', () => assert.equal(load({ mac: a }).mac, a));
    it('CNI_ARGS wins over the config', () => assert.equal(load({ mac: a }, `MAC=${b}`).mac, b));
    it('runtimeConfig.mac wins over both', () => assert.equal(load({ mac: a, runtimeConfig: { mac: c } }, `MAC=${b}`).mac, c));
    it('an empty or null runtimeConfig.mac is absent', () => {
      assert.equal(load({ runtimeConfig: { mac: '' } }, `MAC=${a}`).mac, a);
      assert.equal(load({ runtimeConfig: { mac: null } }, `MAC=${a}`).mac, a);
    });
    it('args.cni.mac is not read (the reference macvlan does not read it either)', () => assert.equal(load({ args: { cni: { mac: a } } }).mac, undefined));
    it('CNI_ARGS IP= is accepted (it is for the IPAM plugin), and IgnoreUnknown=1 lets kubelet keys through', () => {
      assert.equal(load({}, 'IP=10.1.0.5').mac, undefined);
      assert.equal(load({}, `IgnoreUnknown=1;K8S_POD_NAME=x;MAC=${a}`).mac, a);
    });
  });

  describe('errors: code 7 naming the field (4 for CNI_ARGS)', () => {
    const cases: Array<[string, Record<string, unknown>, string, number, RegExp]> = [
      ['master of the wrong type', { master: 12 }, '', 7, /^invalid config: \/master must be string,null \(got 12\)$/],
      ['master with a NUL byte', { master: 'eth\u00000' }, '', 7, /^invalid config: \/master: .*contains a NUL byte/],
      ['master "../eth0"', { master: '../eth0' }, '', 7, /^invalid config: \/master: .*"\.\.\/eth0" must not contain \/, : or whitespace/],
      ['master ".."', { master: '..' }, '', 7, /^invalid config: \/master: .*must not be \. or \.\./],
      ['master of 16 bytes', { master: 'a'.repeat(16) }, '', 7, /^invalid config: \/master: .*16 bytes long/],
      ['master with a space', { master: 'eth 0' }, '', 7, /^invalid config: \/master: /],
      ['an unknown mode', { mode: 'shared' }, '', 7, /^invalid config: \/mode: unknown macvlan mode "shared" \(must be bridge, private, vepa, passthru, source\)$/],
      ['a mode with a NUL byte', { mode: 'bridge\u0000' }, '', 7, /^invalid config: \/mode: unknown macvlan mode "bridge\\u0000"/],
      ['a mode of the wrong type', { mode: ['bridge'] }, '', 7, /^invalid config: \/mode must be string,null/],
      ['a negative mtu', { mtu: -1 }, '', 7, /^invalid config: \/mtu: invalid MTU -1, must be 0 \(the master's MTU\) or between 68 and 65535$/],
      ['an mtu below 68', { mtu: 67 }, '', 7, /^invalid config: \/mtu: invalid MTU 67/],
      ['a huge mtu', { mtu: 2 ** 40 }, '', 7, /^invalid config: \/mtu: invalid MTU 1099511627776/],
      ['a fractional mtu', { mtu: 1500.5 }, '', 7, /^invalid config: \/mtu must be integer,null \(got 1500\.5\)$/],
      ['an mtu string', { mtu: '1500' }, '', 7, /^invalid config: \/mtu must be integer,null \(got "1500"\)$/],
      ['a negative bcqueuelen', { bcqueuelen: -5 }, '', 7, /^invalid config: \/bcqueuelen: must be between 0 and 4294967295 \(got -5\)$/],
      ['a bcqueuelen above u32', { bcqueuelen: 2 ** 32 }, '', 7, /^invalid config: \/bcqueuelen: /],
      ['linkInContainer as a string', { linkInContainer: 'yes' }, '', 7, /^invalid config: \/linkInContainer must be boolean,null \(got "yes"\)$/],
      ['a malformed mac', { mac: '0a:58:0a:00:00' }, '', 7, /^invalid config: \/mac: not a MAC address .*\(got "0a:58:0a:00:00"\)$/],
      ['mixed separators', { mac: '0a:58-0a:00:00:01' }, '', 7, /^invalid config: \/mac: not a MAC address/],
      ['a multicast mac', { mac: '01:00:5e:00:00:01' }, '', 7, /^invalid config: \/mac: a multicast MAC address/],
      ['the zero mac', { mac: '00:00:00:00:00:00' }, '', 7, /^invalid config: \/mac: the all-zero MAC address/],
      ['a mac with a NUL byte', { mac: '0a:58:0a:00:00:0\u0000' }, '', 7, /^invalid config: \/mac: not a MAC address .*\\u0000/],
      ['a bad runtimeConfig.mac', { runtimeConfig: { mac: 'zz' } }, '', 7, /^invalid config: \/runtimeConfig\/mac: not a MAC address/],
      ['runtimeConfig.mac of the wrong type', { runtimeConfig: { mac: 5 } }, '', 7, /^invalid config: \/runtimeConfig\/mac must be string,null/],
      ['macaddrs outside source mode', { macaddrs: ['0a:58:00:00:00:01'] }, '', 7, /^invalid config: \/macaddrs: is only used in mode "source" \(mode is "bridge"\)$/],
      ['source mode without macaddrs', { mode: 'source' }, '', 7, /^invalid config: \/macaddrs: mode "source" needs at least one MAC address/],
      ['source mode with an empty list', { mode: 'source', macaddrs: [] }, '', 7, /^invalid config: \/macaddrs: mode "source" needs/],
      ['a bad source MAC', { mode: 'source', macaddrs: ['0a:58:00:00:00:01', 'nope'] }, '', 7, /^invalid config: \/macaddrs\/1: not a MAC address .*\(got "nope"\)$/],
      ['macaddrs not a list', { mode: 'source', macaddrs: '0a:58:00:00:00:01' }, '', 7, /^invalid config: \/macaddrs must be array,null/],
      ['a bad CNI_ARGS MAC', {}, 'MAC=xyz', 4, /^CNI_ARGS MAC: not a MAC address .*\(got "xyz"\)$/],
      ['an unknown CNI_ARGS key', {}, 'FOO=1', 4, /^CNI_ARGS: unknown args \["FOO=1"\]$/],
      ['a CNI_ARGS pair without =', {}, 'MAC', 4, /^CNI_ARGS: invalid pair "MAC"$/],
    ];
    for (const [what, extra, cniArgs, code, msg] of cases) {
      it(`${what}: code ${code}`, () => throwsCni(() => load(extra, cniArgs), code, msg));
    }
  });

  describe('the base keys (lib/cni) are checked before ours', () => {
    it('a network name "../x" is code 7 naming /name', () => {
      throwsCni(() => conf({ name: '../x' }), 7, /^invalid config: \/name must match pattern/);
    });
    it('a network name with a NUL byte is code 7', () => throwsCni(() => conf({ name: 'a\u0000b' }), 7, /^invalid config: \/name /));
    it('an mtu of 1e400 (Infinity once parsed) is code 7 naming /mtu', () => {
      const c = loadConfig('{"cniVersion":"1.0.0","name":"n","type":"macvlan","mtu":1e400}');
      throwsCni(() => loadMacvlanConfig(c, ''), 7, /^invalid config: \/mtu /);
    });
  });

  describe('ipamTypeOf (all DEL and GC read)', () => {
    it('reads ipam.type and ignores the rest, valid or not', () => {
      assert.equal(ipamTypeOf(conf({ ipam: { type: 'host-local' }, mode: 'bogus', mtu: -1 })), 'host-local');
      assert.equal(ipamTypeOf(conf({})), '');
      assert.equal(ipamTypeOf(conf({ ipam: {} })), '');
    });
  });
});
