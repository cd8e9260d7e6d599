import assert from 'node:assert/strict';
import { ENV_VARS, readCniEnv, validateContainerId, validateIfName } from '../../../../lib/cni/env';

describe('lib/cni/env', () => {
  it('is a table: which verbs need each variable', () => {
    const required = Object.fromEntries(ENV_VARS.map((v) => [v.name, v.requiredFor.join(' ')]));
    assert.deepEqual(required, {
      CNI_COMMAND: 'ADD DEL CHECK GC STATUS VERSION',
      CNI_CONTAINERID: 'ADD DEL CHECK',
      CNI_NETNS: 'ADD CHECK',
      CNI_IFNAME: 'ADD DEL CHECK',
      CNI_ARGS: '',
      CNI_PATH: 'GC',
      CNI_NETNS_OVERRIDE: '',
    });
  });

  it('returns the values, CNI_PATH split with empty entries dropped', () => {
    const env = readCniEnv(
      { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_NETNS: '/n', CNI_IFNAME: 'eth0', CNI_ARGS: 'A=1', CNI_PATH: ':/a::/b:', CNI_NETNS_OVERRIDE: 'True' },
      'ADD',
    );
    assert.deepEqual(env, { command: 'ADD', containerID: 'c', netns: '/n', ifName: 'eth0', args: 'A=1', path: ['/a', '/b'], netnsOverride: true });
    assert.equal(readCniEnv({ CNI_COMMAND: 'STATUS', CNI_NETNS_OVERRIDE: 'yes' }, 'STATUS').netnsOverride, false);
    assert.deepEqual(readCniEnv({ CNI_COMMAND: 'STATUS' }, 'STATUS').path, []);
  });

  it('validates container IDs and interface names on their own', () => {
    validateContainerId('0123abcDEF_.-x');
    validateIfName('eth0');
    validateIfName('vethé1234567'); // 13 bytes
    assert.throws(() => validateIfName('', 'IFNAME'), { code: 4, message: 'invalid interface name: IFNAME "" is empty' });
    assert.throws(() => validateContainerId('', 'ID'), { code: 4, message: 'invalid characters in containerID: ID "" must match ^[a-zA-Z0-9][a-zA-Z0-9_.-]*$' });
  });
});
