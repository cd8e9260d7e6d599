// Masquerade of a container with two interfaces on one network (the BUILT bridge, both backends):
// the reference keys its iptables chain by (network, container ID), so the interfaces share it; DEL
// of one must leave the other's masquerading exactly as it was, the last DEL must leave nothing, and
// concurrent DELs and ADDs of the two must end the same way. Also: rules the reference bridge wrote.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useNetnsPair } from '../../helpers/netns';
import { REFERENCE_DIR, bridgeConf, leases, natRules, nsPath, ok, runPlugin, withPrev } from './bridge-harness';
import { skipUnless } from '../../helpers/skip';

/** The masquerade state of the host netns: both nat tables (counters zeroed) and the nft ruleset. */
function masqState(host: Parameters<typeof natRules>[0]): { v4: string; v6: string; nft: string } {
  const strip = (s: string) => s.split('\n').filter((l) => !l.startsWith('#')).join('\n').replace(/\[\d+:\d+\]/g, '[0:0]');
  // iptables-nft's own nat table with its empty POSTROUTING is created by the first iptables call and
  // shared by every tool: iptables' plumbing, not the attachment's (see lib/firewall ipmasq test).
  const plumbing = /table ip6? nat \{\n\tchain POSTROUTING \{\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\}\n\}\n/g;
  const nft = execFileSync('ip', ['netns', 'exec', host.name, 'nft', 'list', 'ruleset'], { encoding: 'utf8' }).replace(plumbing, '');
  return { v4: strip(natRules(host, 4)), v6: strip(natRules(host, 6)), nft };
}

/** The state with container addresses (10.77.0.N, not the subnet) made alike. */
const shape = (st: object): string => JSON.stringify(st).replace(/10\.77\.0\.([1-9]\d*)/g, '10.77.0.N');

describe('plugins/bridge ipMasq with two interfaces of one container (built executable)', function () {
  this.timeout(120_000);
  const ns = useNetnsPair();
  let dataDir: string;
  beforeEach(() => { dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-br-masq-')); });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const call = (command: 'ADD' | 'DEL' | 'GC', conf: object, ifName: string, o: { bin?: string; cniPath?: string } = {}) =>
    runPlugin({ host: ns.host, command, netns: nsPath(ns.container), ifName, ...o }, conf);

  for (const backend of ['iptables', 'nftables'] as const) {
    describe(`${backend} backend`, () => {
      const conf = () => bridgeConf('1.0.0', dataDir, { isGateway: true, ipMasq: true, ipMasqBackend: backend });

      it('DEL of net1 leaves eth0\'s rules exactly; DEL of eth0 leaves the firewall as before', async () => {
        const before = masqState(ns.host);
        const eth0 = ok(await call('ADD', conf(), 'eth0'));
        const eth0Only = masqState(ns.host);
        assert.notDeepEqual(eth0Only, before);
        const net1 = ok(await call('ADD', conf(), 'net1'));
        assert.match(JSON.stringify(masqState(ns.host)), /10\.77\.0\.3/, 'net1 masquerades');
        ok(await call('DEL', withPrev(conf(), net1.json), 'net1'));
        assert.deepEqual(masqState(ns.host), eth0Only, 'eth0 masquerades exactly as before net1 came');
        ok(await call('DEL', conf(), 'net1'), 'a repeated DEL');
        assert.deepEqual(masqState(ns.host), eth0Only);
        ok(await call('DEL', withPrev(conf(), eth0.json), 'eth0'));
        assert.deepEqual(masqState(ns.host), before, 'nothing is left');
        assert.deepEqual(leases(dataDir, 'brnet'), []);
      });

      it('GC of net1 alone (eth0 valid) keeps eth0\'s rules', async () => {
        const before = masqState(ns.host);
        ok(await call('ADD', conf(), 'eth0'));
        const eth0Only = masqState(ns.host);
        ok(await call('ADD', conf(), 'net1'));
        const gc = { ...conf(), cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'ctr1', ifname: 'eth0' }] };
        ok(await call('GC', gc, 'eth0'));
        assert.deepEqual(masqState(ns.host), eth0Only);
        ok(await call('GC', { ...gc, 'cni.dev/valid-attachments': [] }, 'eth0'));
        assert.deepEqual(masqState(ns.host), before);
      });

      it('concurrent DELs of both interfaces leave nothing; a concurrent ADD of one and DEL of the other leave exactly the added one', async () => {
        const before = masqState(ns.host);
        for (let round = 0; round < 4; round++) {
          ok(await call('ADD', conf(), 'eth0'));
          ok(await call('ADD', conf(), 'net1'));
          for (const r of await Promise.all([call('DEL', conf(), 'eth0'), call('DEL', conf(), 'net1')])) ok(r, 'concurrent DEL');
          assert.deepEqual(masqState(ns.host), before, `round ${round}: nothing is left`);
        }
        ok(await call('ADD', conf(), 'net1'));
        const net1Only = masqState(ns.host);
        ok(await call('DEL', conf(), 'net1'));
        for (let round = 0; round < 4; round++) {
          ok(await call('ADD', conf(), 'eth0'));
          const [add, del] = await Promise.all([call('ADD', conf(), 'net1'), call('DEL', conf(), 'eth0')]);
          ok(add, 'concurrent ADD');
          ok(del, 'concurrent DEL');
          // host-local hands out the next address each round: compare the rules' shape.
          assert.deepEqual(shape(masqState(ns.host)), shape(net1Only), `round ${round}: net1's rules, complete`);
          ok(await call('DEL', conf(), 'net1'));
        }
        assert.deepEqual(masqState(ns.host), before);
      });
    });
  }

  it('eth0 added by the reference bridge (iptables), net1 by ours: each DEL removes its own', async function () {
    skipUnless(this, fs.existsSync(path.join(REFERENCE_DIR, 'bridge')), `no ${path.join(REFERENCE_DIR, 'bridge')}: install containernetworking-plugins (scripts/setup.sh)`);
    const conf = bridgeConf('1.0.0', dataDir, { isGateway: true, ipMasq: true });
    const before = masqState(ns.host);
    const ref = ok(await call('ADD', conf, 'eth0', { bin: path.join(REFERENCE_DIR, 'bridge'), cniPath: REFERENCE_DIR }), 'reference ADD');
    const refOnly = masqState(ns.host);
    const net1 = ok(await call('ADD', conf, 'net1'));
    ok(await call('DEL', withPrev(conf, net1.json), 'net1'));
    assert.deepEqual(masqState(ns.host), refOnly, 'the reference\'s rules for eth0 are untouched');
    const again = ok(await call('ADD', conf, 'net1'));
    ok(await call('DEL', withPrev(conf, ref.json), 'eth0'));
    assert.doesNotMatch(masqState(ns.host).v4, /10\.77\.0\.2\//, 'eth0\'s rules are gone');
    const net1Ip = (again.json.ips[0].address as string).split('/')[0]!;
    assert.ok(masqState(ns.host).v4.includes(`-A POSTROUTING -s ${net1Ip}/32 -m comment`), 'net1 still masquerades');
    ok(await call('DEL', conf, 'net1'));
    assert.deepEqual(masqState(ns.host), before);
    // And the reference's DEL removes what ours wrote.
    ok(await call('ADD', conf, 'eth0'));
    ok(await call('DEL', conf, 'eth0', { bin: path.join(REFERENCE_DIR, 'bridge'), cniPath: REFERENCE_DIR }), 'reference DEL');
    assert.deepEqual(masqState(ns.host), before, 'the reference\'s DEL leaves nothing of ours');
  });
});
