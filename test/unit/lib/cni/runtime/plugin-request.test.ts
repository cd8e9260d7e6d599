import assert from 'node:assert/strict';
import { capabilityConfig, cniEnv, parseConfList, pluginStdin, validateRuntimeConf } from '../../../../../lib/cni/runtime';
import type { Result } from '../../../../../lib/cni/types';

const LIST = parseConfList(
  JSON.stringify({
    cniVersion: '0.4.0',
    name: 'net1',
    plugins: [
      { type: 'bridge', name: 'ignored', cniVersion: '9.9.9', capabilities: { ips: true, mac: false, portMappings: true } },
      { type: 'tuning', runtimeConfig: { keep: 1 } },
    ],
  }),
);
const PREV: Result = {
  cniVersion: '1.1.0',
  interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/c1' }],
  ips: [{ address: '10.1.0.2/24', gateway: '10.1.0.1', interface: 0 }],
};
const RT = { containerId: 'c1', netns: '/run/netns/c1', ifName: 'eth0', capabilityArgs: { ips: ['10.1.0.9/24'], mac: '02:aa:00:00:00:01', bandwidth: {} } };

describe('lib/cni/runtime/plugin-request', () => {
  it('injects the list name and version over the plugin own', () => {
    const conf = JSON.parse(pluginStdin(LIST, LIST.plugins[0]!).toString());
    assert.equal(conf.name, 'net1');
    assert.equal(conf.cniVersion, '0.4.0');
    assert.equal(conf.prevResult, undefined);
    assert.equal(conf.runtimeConfig, undefined);
  });

  it('passes the prevResult in the list version (0.4.0 adds ips[].version)', () => {
    const conf = JSON.parse(pluginStdin(LIST, LIST.plugins[0]!, { prevResult: PREV }).toString());
    assert.deepEqual(conf.prevResult, {
      cniVersion: '0.4.0',
      interfaces: [{ name: 'eth0', mac: '02:00:00:00:00:01', sandbox: '/run/netns/c1' }],
      ips: [{ version: '4', interface: 0, address: '10.1.0.2/24', gateway: '10.1.0.1' }],
    });
  });

  it('puts into runtimeConfig only the capability args the plugin declares true', () => {
    const conf = JSON.parse(pluginStdin(LIST, LIST.plugins[0]!, { rt: RT }).toString());
    assert.deepEqual(conf.runtimeConfig, { ips: ['10.1.0.9/24'] });
    // libcni leaves `capabilities` in place.
    assert.deepEqual(conf.capabilities, { ips: true, mac: false, portMappings: true });
  });

  it('leaves a plugin runtimeConfig alone when there is nothing to inject', () => {
    const conf = JSON.parse(pluginStdin(LIST, LIST.plugins[1]!, { rt: RT }).toString());
    assert.deepEqual(conf.runtimeConfig, { keep: 1 });
  });

  it('injects GC keys as given', () => {
    const att = [{ containerID: 'c1', ifname: 'eth0' }];
    const conf = JSON.parse(pluginStdin(LIST, LIST.plugins[1]!, { inject: { 'cni.dev/valid-attachments': att } }).toString());
    assert.deepEqual(conf['cni.dev/valid-attachments'], att);
  });

  it('capabilityConfig ignores undeclared and absent args', () => {
    assert.deepEqual(capabilityConfig({ type: 'x' }, { mac: 'a' }), {});
    assert.deepEqual(capabilityConfig({ type: 'x', capabilities: { mac: true } }, undefined), {});
    assert.deepEqual(capabilityConfig({ type: 'x', capabilities: { mac: true, ips: true } }, { mac: 'a' }), { mac: 'a' });
  });

  it('builds the CNI_* environment, empty attachment values for GC and STATUS', () => {
    assert.deepEqual(cniEnv('ADD', { ...RT, args: [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web']] }, ['/a', '/b']), {
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c1',
      CNI_NETNS: '/run/netns/c1',
      CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web',
      CNI_IFNAME: 'eth0',
      CNI_PATH: '/a:/b',
    });
    assert.deepEqual(cniEnv('GC', undefined, ['/a']), { CNI_COMMAND: 'GC', CNI_CONTAINERID: '', CNI_NETNS: '', CNI_ARGS: '', CNI_IFNAME: '', CNI_PATH: '/a' });
  });

  it('validates the attachment as libcni does before exec', () => {
    const ok = { containerId: 'c1', netns: '', ifName: 'eth0' };
    validateRuntimeConf('net1', ok);
    assert.throws(() => validateRuntimeConf('net1', { ...ok, containerId: '' }), { code: 3, message: 'missing containerID' });
    assert.throws(() => validateRuntimeConf('net1', { ...ok, containerId: '../x' }), { code: 4, message: /invalid characters in containerID: containerId "..\/x"/ });
    assert.throws(() => validateRuntimeConf('bad name', ok), { code: 7, message: /invalid characters found in network name "bad name"/ });
    assert.throws(() => validateRuntimeConf('net1', { ...ok, ifName: 'a/b' }), { code: 4, message: /invalid interface name: ifName "a\/b"/ });
    assert.throws(() => validateRuntimeConf('net1', { ...ok, ifName: 'x'.repeat(16) }), { code: 4, message: /16 bytes long/ });
    assert.throws(() => validateRuntimeConf('net1', { ...ok, args: [['A;B', '1']] }), /invalid CNI_ARGS pair/);
    assert.throws(() => validateRuntimeConf('net1', { ...ok, args: [['A', '1;B=2']] }), /invalid CNI_ARGS pair/);
  });
});
