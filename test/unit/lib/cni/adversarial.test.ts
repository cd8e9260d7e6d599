// Fuzz-style table for the shared parts: the CNI_* environment per verb (readCniEnv), the cleanup
// verbs' tolerant validation (dropInvalid, loadConfig's tolerant mode) and prevResult parsing.
import assert from 'node:assert/strict';
import { CniError, LOCATING_KEYS, dropInvalid, loadConfig, readCniEnv } from '../../../../lib/cni';
import validateNetConf from '../../../../lib/cni/net-conf.validate.cjs';
import type { CniCommand } from '../../../../lib/cni';

const ENV = { CNI_CONTAINERID: 'c1', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin' };

/** [CNI_* overrides, the verbs it is refused for (code 4, message naming the variable), the verbs it passes]. */
const ENV_ROWS: Array<[Record<string, string>, CniCommand[], CniCommand[]]> = [
  [{ CNI_IFNAME: 'eth%d' }, ['ADD', 'CHECK'], ['DEL']],
  [{ CNI_IFNAME: 'all' }, ['ADD', 'CHECK'], ['DEL']],
  [{ CNI_IFNAME: 'default' }, ['ADD', 'CHECK'], ['DEL']],
  [{ CNI_IFNAME: 'lo' }, ['ADD', 'CHECK'], ['DEL']],
  [{ CNI_IFNAME: 'dà' }, ['ADD', 'CHECK'], ['DEL']],
  [{ CNI_IFNAME: '..' }, ['ADD', 'CHECK', 'DEL'], []],
  [{ CNI_IFNAME: 'a\tb' }, ['ADD', 'CHECK', 'DEL'], []],
  [{ CNI_IFNAME: 'éééééééé' }, ['ADD', 'CHECK', 'DEL'], []],
  [{ CNI_NETNS: `/x/${'n'.repeat(10240)}` }, ['ADD', 'CHECK'], ['DEL']],
  [{ CNI_NETNS: '/run/netns/x/' }, ['ADD', 'CHECK'], ['DEL']],
];

describe('lib/cni adversarial inputs (table)', () => {
  describe('CNI_* per verb', () => {
    for (const [env, refused, passes] of ENV_ROWS) {
      const [name, value] = Object.entries(env)[0]!;
      const shown = value!.length > 40 ? `${value!.slice(0, 20)}... (${value!.length} chars)` : JSON.stringify(value);
      for (const verb of refused) {
        it(`${verb} ${name}=${shown}: code 4 naming ${name}`, () => {
          assert.throws(() => readCniEnv({ ...ENV, CNI_COMMAND: verb, ...env }, verb), (err: unknown) => {
            assert.ok(err instanceof CniError);
            assert.equal(err.code, 4);
            assert.ok(err.message.includes(name!), err.message);
            assert.ok(err.message.length < 500, 'the message stays short');
            return true;
          });
        });
      }
      for (const verb of passes) it(`${verb} ${name}=${shown}: accepted`, () => assert.doesNotThrow(() => readCniEnv({ ...ENV, CNI_COMMAND: verb, ...env }, verb)));
    }
    for (const verb of ['ADD', 'CHECK', 'DEL'] as const) {
      it(`${verb} CNI_IFNAME=lo: accepted for the plugin that manages lo (loopback), still checked otherwise`, () => {
        assert.equal(readCniEnv({ ...ENV, CNI_COMMAND: verb, CNI_IFNAME: 'lo' }, verb, { allowLoopbackIfName: true }).ifName, 'lo');
        const template = () => readCniEnv({ ...ENV, CNI_COMMAND: verb, CNI_IFNAME: 'eth%d' }, verb, { allowLoopbackIfName: true });
        if (verb === 'DEL') assert.doesNotThrow(template);
        else assert.throws(template, /CNI_IFNAME/);
      });
    }
  });

  describe('tolerant validation (DEL, GC)', () => {
    const text = (extra: object) => JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 't', ...extra });
    it('drops the smallest key that holds no locating key, and keeps the rest', () => {
      const data = { name: 'n', type: 't', ipam: { type: 'x', routes: 'bad', dataDir: '/d' }, dns: { nameservers: 1 }, runtimeConfig: 5 };
      const dropped = dropInvalid(validateNetConf, data, LOCATING_KEYS);
      assert.deepEqual(dropped.sort(), ['/dns', '/runtimeConfig']);
      assert.deepEqual(data, { name: 'n', type: 't', ipam: { type: 'x', routes: 'bad', dataDir: '/d' } });
    });
    const strict: Array<[string, object, string]> = [
      ['a name with "/"', { name: 'a/b' }, '/name'],
      ['cniVersion a number', { cniVersion: 1 }, '/cniVersion'],
      ['ipam a string', { ipam: 'x' }, '/ipam'],
      ['ipam.type a number', { ipam: { type: 1 } }, '/ipam/type'],
      ['valid-attachments not a list', { 'cni.dev/valid-attachments': {} }, '/cni.dev~1valid-attachments'],
    ];
    for (const [what, extra, field] of strict) {
      it(`${what}: still code 7 naming ${field}`, () => {
        assert.throws(() => loadConfig(text(extra), undefined, { tolerant: true }), (err: unknown) => err instanceof CniError && err.code === 7 && err.message.includes(field));
      });
    }
    it('a prevResult that does not parse is dropped, not an error', () => {
      const conf = loadConfig(text({ prevResult: { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24', interface: 3 }] } }), undefined, { tolerant: true });
      assert.equal(conf.prevResult, undefined);
    });
    it('ADD keeps full validation of the same config', () => {
      assert.throws(() => loadConfig(text({ dns: { nameservers: 1 } })), (err: unknown) => err instanceof CniError && err.code === 7 && err.message.includes('/dns/nameservers'));
    });
  });

  describe('prevResult ips[i].interface', () => {
    const prev = (ips: unknown[], interfaces: unknown[] = [{ name: 'eth0' }]) => JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 't', prevResult: { cniVersion: '1.0.0', interfaces, ips } });
    for (const [what, ips, interfaces] of [
      ['one past the list', [{ address: '10.0.0.2/24', interface: 1 }], [{ name: 'eth0' }]],
      ['with no interfaces at all', [{ address: '10.0.0.2/24', interface: 0 }], []],
      ['negative', [{ address: '10.0.0.2/24', interface: -1 }], [{ name: 'eth0' }]],
      ['not an integer', [{ address: '10.0.0.2/24', interface: 0.5 }], [{ name: 'eth0' }]],
      ['a string', [{ address: '10.0.0.2/24', interface: '0' }], [{ name: 'eth0' }]],
    ] as const) {
      it(`${what}: code 7 naming /prevResult/ips/0/interface`, () => {
        assert.throws(() => loadConfig(prev([...ips], [...interfaces])), (err: unknown) => err instanceof CniError && err.code === 7 && err.message.includes('/prevResult/ips/0/interface'));
      });
    }
    it('an index inside the list is fine, in 1.0.0 and 0.4.0', () => {
      assert.doesNotThrow(() => loadConfig(prev([{ address: '10.0.0.2/24', interface: 0 }])));
      assert.doesNotThrow(() => loadConfig(prev([{ version: '4', address: '10.0.0.2/24', interface: 0 }]).replace(/"cniVersion":"1.0.0","interfaces"/, '"cniVersion":"0.4.0","interfaces"')));
    });
  });
});
