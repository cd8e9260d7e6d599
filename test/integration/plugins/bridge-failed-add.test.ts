// A bridge ADD that really fails at a late step (no test hook: a masquerade batch refused, an IPAM
// route that cannot be added, an exhausted pool, a gateway conflict) leaves the host netns and the
// container netns exactly as they were, except for the bridge (and its gateway address), which the
// reference keeps on purpose because other attachments share it (plugins/bridge/README.md).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ip, ipJson, makeTestNetns, useNetnsPair, type TestNetns } from '../../helpers/netns';
import { FAIL_AFTER_ENV } from '../../../lib/cni';
import { bridgeConf, leases, nsPath, ok, runPlugin } from './bridge-harness';

const BRIDGE = 'cni-t0';

/**
 * Every iptables table of a netns as rules and user chains: banners, table headers, COMMITs and the
 * built-in chains' default policies are dropped (iptables-nft creates a table with them on first use).
 */
function iptables(ns: TestNetns, save: string): string[] {
  return execFileSync('ip', ['netns', 'exec', ns.name, save], { encoding: 'utf8' }).split('\n')
    .filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('*') && l !== 'COMMIT' && !/^:(PREROUTING|INPUT|FORWARD|OUTPUT|POSTROUTING) ACCEPT /.test(l))
    .map((l) => l.replace(/\[\d+:\d+\]/g, '[0:0]'));
}

/**
 * Everything an ADD could leave in a netns, without the bridge: links (with master and alias),
 * addresses, routes of every table, policy rules, iptables and nftables. Two empty base chains are
 * left out, shared like the bridge (README): iptables-nft's nat POSTROUTING, which the first iptables
 * call creates (legacy iptables always has it), and macspoofchk's `bridge nat` PREROUTING, which the
 * reference keeps too and which no transaction could remove without racing another ADD's check.
 */
function snapshot(ns: TestNetns): Record<string, unknown> {
  const notBridge = (dev: unknown) => dev !== BRIDGE;
  const plumbing = /table (ip6?|bridge) nat \{\n\tchain (POSTROUTING|PREROUTING) \{\n\t\ttype (nat|filter) hook (postrouting|prerouting) priority (srcnat|dstnat); policy accept;\n\t\}\n\}\n/g;
  return {
    links: (ipJson(ns.name, 'link', 'show') as any[]).filter((l) => notBridge(l.ifname))
      .map((l) => `${l.ifname} ${l.linkinfo?.info_kind ?? ''} master=${l.master ?? ''} alias=${l.ifalias ?? ''}`).sort(),
    addrs: (ipJson(ns.name, 'addr', 'show') as any[]).filter((l) => notBridge(l.ifname))
      .flatMap((l) => (l.addr_info ?? []).map((a: any) => `${l.ifname} ${a.local}/${a.prefixlen}`)).sort(),
    routes4: (ipJson(ns.name, '-4', 'route', 'show', 'table', 'all') as any[]).filter((r) => notBridge(r.dev)),
    routes6: (ipJson(ns.name, '-6', 'route', 'show', 'table', 'all') as any[]).filter((r) => notBridge(r.dev)),
    rules: [ipJson(ns.name, '-4', 'rule', 'show'), ipJson(ns.name, '-6', 'rule', 'show')],
    iptables: [iptables(ns, 'iptables-save'), iptables(ns, 'ip6tables-save')],
    nft: execFileSync('ip', ['netns', 'exec', ns.name, 'nft', 'list', 'ruleset'], { encoding: 'utf8' }).replace(plumbing, ''),
  };
}

describe('plugins/bridge: a failed ADD leaves nothing but the bridge (built executable)', function () {
  this.timeout(60_000);
  const ns = useNetnsPair();
  let dataDir: string;
  let fakes: string;
  const extra: TestNetns[] = [];
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-br-fail-'));
    fakes = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-br-fakes-'));
  });
  afterEach(() => {
    for (const n of extra.splice(0)) n.remove();
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(fakes, { recursive: true, force: true });
  });
  const add = (conf: object, o: { containerID?: string; netns?: TestNetns; env?: Record<string, string> } = {}) =>
    runPlugin({ host: ns.host, command: 'ADD', netns: nsPath(o.netns ?? ns.container), containerID: o.containerID, env: o.env }, conf);

  /** Runs the failing ADD and checks both netns and the leases against their state before it. */
  async function assertFailsCleanly(conf: object, code: number, msg: RegExp, env?: Record<string, string>): Promise<void> {
    const [host, ctr, held] = [snapshot(ns.host), snapshot(ns.container), leases(dataDir, 'brnet')];
    const r = await add(conf, { env });
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.json.code, code, r.stdout);
    assert.match(r.json.msg, msg);
    assert.deepEqual(snapshot(ns.host), host, 'the host netns is as it was, but for the bridge');
    assert.deepEqual(snapshot(ns.container), ctr, 'the container netns is as it was');
    assert.deepEqual(leases(dataDir, 'brnet'), held, 'no lease is left');
  }

  for (const backend of ['iptables', 'nftables'] as const) {
    it(`the masquerade batch is refused (${backend}): the veth, lease, routes and any rule written are undone`, async () => {
      const conf = bridgeConf('1.0.0', dataDir, { isGateway: true, isDefaultGateway: true, ipMasq: true, ipMasqBackend: backend, macspoofchk: true });
      if (backend === 'iptables') {
        // An iptables-restore that refuses every batch, first on PATH.
        fs.writeFileSync(path.join(fakes, 'iptables-restore'), '#!/bin/sh\necho "iptables-restore: line 2 failed" >&2\nexit 1\n', { mode: 0o755 });
      } else {
        // A postrouting chain of the wrong type makes the whole masquerade transaction fail.
        execFileSync('ip', ['netns', 'exec', ns.host.name, 'nft', 'add table inet cni_plugins_masquerade; add chain inet cni_plugins_masquerade postrouting { type filter hook postrouting priority 0 ; }']);
      }
      const msg = backend === 'iptables' ? /^iptables-restore -w 5 --noflush: exit status 1: iptables-restore: line 2 failed$/ : /^netlink nftables addChain cni_plugins_masquerade postrouting: EOPNOTSUPP: Operation not supported$/;
      await assertFailsCleanly(conf, 117, msg, { PATH: `${fakes}:/usr/sbin:/usr/bin:/sbin:/bin` });
    });
  }

  it('dual stack: the IPv4 masquerade batch applied, the IPv6 one refused: the IPv4 rules are undone too', async () => {
    const conf = bridgeConf('1.0.0', dataDir, { isGateway: true, ipMasq: true, ipMasqBackend: 'iptables' },
      { subnet: undefined, ranges: [[{ subnet: '10.77.0.0/24' }], [{ subnet: 'fd77::/64' }]] });
    fs.writeFileSync(path.join(fakes, 'ip6tables-restore'), '#!/bin/sh\necho "ip6tables-restore: line 2 failed" >&2\nexit 1\n', { mode: 0o755 });
    await assertFailsCleanly(conf, 117, /^ip6tables-restore -w 5 --noflush: exit status 1/, { PATH: `${fakes}:/usr/sbin:/usr/bin:/sbin:/bin` });
  });

  it('a step after the nftables masquerade fails: its rule, chains and table are undone too', async () => {
    const conf = bridgeConf('1.0.0', dataDir, { isGateway: true, ipMasq: true, ipMasqBackend: 'nftables' });
    await assertFailsCleanly(conf, 999, /injected failure after step "ipmasq"/, { [FAIL_AFTER_ENV]: 'ipmasq' });
  });

  it('an IPAM route whose gateway is off-link: refused (code 7) before anything is made', async () => {
    const conf = bridgeConf('1.0.0', dataDir, { isGateway: true, ipMasq: true }, { routes: [{ dst: '192.168.50.0/24', gw: '10.99.99.1' }] });
    await assertFailsCleanly(conf, 7, /^invalid config: \/ipam\/routes\/0\/gw: gateway 10\.99\.99\.1 is unreachable/);
  });

  it('the pool is exhausted (the other attachment keeps its lease and rules)', async () => {
    const conf = bridgeConf('1.0.0', dataDir, { isGateway: true, ipMasq: true }, { subnet: '10.77.0.0/30' });
    const other = makeTestNetns('ctr2');
    extra.push(other);
    ok(await add(conf, { containerID: 'first', netns: other }));
    await assertFailsCleanly(conf, 100, /no IP addresses available in range set: 10\.77\.0\.1-10\.77\.0\.2/);
  });

  it('the bridge has another gateway address (forceAddress off)', async () => {
    ip(ns.host.name, 'link', 'add', BRIDGE, 'type', 'bridge');
    ip(ns.host.name, 'addr', 'add', '10.66.0.1/24', 'dev', BRIDGE);
    await assertFailsCleanly(bridgeConf('1.0.0', dataDir, { isGateway: true, ipMasq: true }), 112, /^"cni-t0" already has an IP address different from 10\.77\.0\.1\/24/);
  });
});
