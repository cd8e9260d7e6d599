// Masquerade rules in a throwaway "host" netns per test: iptables rules live per netns, so the
// machine's own tables are never touched (and the suite checks that they were not).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isRetryable } from '../../../../lib/util/retryable';
import { toCniError } from '../../../../lib/cni/to-cni-error';
import { FirewallError, gcIpMasq, listIpMasq, selectIpMasqBackend, setupIpMasq, teardownIpMasq } from '../../../../lib/firewall';
import { parseCidr, type Cidr } from '../../../../lib/ip';
import { useNetnsPair } from '../../../helpers/netns';

/** Addresses as a result's `ips[].address` gives them, parsed. */
const cidrs = (...text: string[]): Cidr[] => text.map((t) => parseCidr(t)!);

/** The chain name computed by coreutils, independently of the code under test. */
function chainOf(network: string, cid: string): string {
  return `CNI-${execFileSync('sha512sum', [], { input: network + cid, encoding: 'utf8' }).slice(0, 24)}`;
}

function exec(nsName: string | undefined, cmd: string, ...args: string[]): string {
  const argv = nsName === undefined ? [cmd, ...args] : ['netns', 'exec', nsName, cmd, ...args];
  return execFileSync(nsName === undefined ? cmd : 'ip', nsName === undefined ? args : argv, { encoding: 'utf8' });
}

const BUILTIN = /^:(PREROUTING|INPUT|OUTPUT|POSTROUTING) /;

/** The nat table as iptables-save prints it, minus banners and the built-in chain lines. */
function natLines(nsName: string, v6 = false): string[] {
  return exec(nsName, v6 ? 'ip6tables-save' : 'iptables-save', '-t', 'nat')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#') && l !== '*nat' && l !== 'COMMIT' && !BUILTIN.test(l));
}

/** The root netns's tables, for the check that the suite never touched them. */
function rootSnapshot(): string {
  const strip = (s: string) => s.split('\n').filter((l) => !l.startsWith('#')).join('\n').replace(/\[\d+:\d+\]/g, '[0:0]');
  return [strip(exec(undefined, 'iptables-save', '-t', 'nat')), strip(exec(undefined, 'ip6tables-save', '-t', 'nat')), exec(undefined, 'nft', 'list', 'ruleset')].join('\n--\n');
}

/** The rules of `masq_checks` as `nft -j list ruleset` shows them. */
function nftMasqRules(nsName: string): Array<{ chain: string; comment?: string; expr: unknown[] }> {
  const doc = JSON.parse(exec(nsName, 'nft', '-j', 'list', 'ruleset')) as { nftables: Array<{ rule?: { table: string; chain: string; comment?: string; expr: unknown[] } }> };
  return doc.nftables.flatMap((i) => (i.rule && i.rule.table === 'cni_plugins_masquerade' ? [i.rule] : []));
}

const c = (net: string, cid: string) => `"name: \\"${net}\\" id: \\"${cid}\\""`;
/** One interface's own comment, as iptables-save quotes it. */
const o = (net: string, cid: string, ifname: string) => `"if: \\"${ifname}\\" name: \\"${net}\\" id: \\"${cid}\\""`;

describe('lib/firewall ipMasq (integration)', function () {
  const ns = useNetnsPair();
  let root: string;
  before(() => {
    root = rootSnapshot();
  });
  after(() => {
    assert.equal(rootSnapshot(), root, 'the root netns firewall changed');
  });

  describe('iptables backend', () => {
    it('installs the reference chain, jump and MASQUERADE, and the interface\'s own ACCEPT, once', () => {
      const chain = chainOf('mynet', 'c1');
      const req = { network: 'mynet', containerId: 'c1', ifname: 'eth0', ips: cidrs('10.4.0.2/24'), backend: 'iptables' as const };
      assert.equal(setupIpMasq(req, { netns: ns.host }), 'iptables');
      const expected = [
        `:${chain} - [0:0]`,
        `-A POSTROUTING -s 10.4.0.2/32 -m comment --comment ${c('mynet', 'c1')} -j ${chain}`,
        `-A ${chain} -s 10.4.0.2/32 -d 10.4.0.0/24 -m comment --comment ${o('mynet', 'c1', 'eth0')} -j ACCEPT`,
        `-A ${chain} ! -d 224.0.0.0/4 -m comment --comment ${c('mynet', 'c1')} -j MASQUERADE`,
      ];
      assert.deepEqual(natLines(ns.host.name), expected);
      assert.deepEqual(natLines(ns.host.name, true), [], 'no IPv6 address, nothing in ip6tables');
      setupIpMasq(req, { netns: ns.host });
      assert.deepEqual(natLines(ns.host.name), expected, 'a repeated ADD adds nothing');
      // The netns is selectable by path as well.
      setupIpMasq(req, { netns: `/run/netns/${ns.host.name}` });
      assert.deepEqual(natLines(ns.host.name), expected);
    });

    it('tears down by (network, containerID) alone, twice, and leaves other attachments alone', () => {
      const opts = { netns: ns.host };
      setupIpMasq({ network: 'mynet', containerId: 'c1', ifname: 'eth0', ips: cidrs('10.4.0.2/24') }, opts);
      setupIpMasq({ network: 'mynet', containerId: 'c2', ifname: 'eth0', ips: cidrs('10.4.0.3/24') }, opts);
      const c2Only = natLines(ns.host.name).filter((l) => l.includes(chainOf('mynet', 'c2')));
      assert.equal(c2Only.length, 4);
      teardownIpMasq({ network: 'mynet', containerId: 'c1', ifname: 'eth0' }, opts);
      assert.deepEqual(natLines(ns.host.name), c2Only);
      teardownIpMasq({ network: 'mynet', containerId: 'c1', ifname: 'eth0' }, opts);
      teardownIpMasq({ network: 'mynet', containerId: 'c2', ifname: 'eth0' }, opts);
      assert.deepEqual(natLines(ns.host.name), []);
      teardownIpMasq({ network: 'never', containerId: 'added', ifname: 'eth0' }, opts);
    });

    it('removes rules written the way the reference writes them, and does not duplicate them', () => {
      const net = 'refnet';
      const cid = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
      const chain = chainOf(net, cid);
      const comment = `name: "${net}" id: "${cid}"`;
      const ipt = (...args: string[]) => exec(ns.host.name, 'iptables', '-t', 'nat', ...args);
      // go-iptables' argument order from pkg/ip/ipmasq_iptables_linux.go, plus the legacy /24 jump.
      ipt('-N', chain);
      ipt('-A', chain, '-d', '10.8.0.5/24', '-j', 'ACCEPT', '-m', 'comment', '--comment', comment);
      ipt('-A', chain, '!', '-d', '224.0.0.0/4', '-j', 'MASQUERADE', '-m', 'comment', '--comment', comment);
      ipt('-A', 'POSTROUTING', '-s', '10.8.0.5', '-j', chain, '-m', 'comment', '--comment', comment);
      ipt('-A', 'POSTROUTING', '-s', '10.8.0.5/24', '-j', chain, '-m', 'comment', '--comment', comment);
      ipt('-A', 'POSTROUTING', '-s', '10.9.0.0/16', '-j', 'MASQUERADE');
      const before = natLines(ns.host.name);
      assert.equal(before.length, 6);
      setupIpMasq({ network: net, containerId: cid, ifname: 'eth0', ips: cidrs('10.8.0.5/24') }, { netns: ns.host });
      const own = `-A ${chain} -s 10.8.0.5/32 -d 10.8.0.0/24 -m comment --comment ${o(net, cid, 'eth0')} -j ACCEPT`;
      assert.deepEqual(natLines(ns.host.name), [...before.slice(0, 4), own, ...before.slice(4)], 'our ADD adds only its own ACCEPT');
      teardownIpMasq({ network: net, containerId: cid, ifname: 'eth0' }, { netns: ns.host });
      assert.deepEqual(natLines(ns.host.name), ['-A POSTROUTING -s 10.9.0.0/16 -j MASQUERADE']);
    });

    it('handles IPv6 through ip6tables, and both families in one teardown', () => {
      const chain = chainOf('dual', 'c1');
      const opts = { netns: ns.host };
      setupIpMasq({ network: 'dual', containerId: 'c1', ifname: 'eth0', ips: cidrs('10.4.0.2/24', 'fd00:0:0:4::2/64') }, opts);
      assert.deepEqual(natLines(ns.host.name, true), [
        `:${chain} - [0:0]`,
        `-A POSTROUTING -s fd00:0:0:4::2/128 -m comment --comment ${c('dual', 'c1')} -j ${chain}`,
        `-A ${chain} -s fd00:0:0:4::2/128 -d fd00:0:0:4::/64 -m comment --comment ${o('dual', 'c1', 'eth0')} -j ACCEPT`,
        `-A ${chain} ! -d ff00::/8 -m comment --comment ${c('dual', 'c1')} -j MASQUERADE`,
      ]);
      assert.equal(natLines(ns.host.name).length, 4);
      setupIpMasq({ network: 'dual', containerId: 'c1', ifname: 'eth0', ips: cidrs('10.4.0.2/24', 'fd00:0:0:4::2/64') }, opts);
      assert.equal(natLines(ns.host.name, true).length, 4);
      teardownIpMasq({ network: 'dual', containerId: 'c1', ifname: 'eth0' }, opts);
      assert.deepEqual(natLines(ns.host.name, true), []);
      assert.deepEqual(natLines(ns.host.name), []);
    });

    it("searches only the families of the addresses it is given (prevResult's), and both without them", () => {
      const chain = chainOf('dual', 'c2');
      const opts = { netns: ns.host };
      const att = { network: 'dual', containerId: 'c2', ifname: 'eth0' };
      setupIpMasq({ ...att, ips: cidrs('10.4.0.3/24', 'fd00:0:0:4::3/64') }, opts);
      teardownIpMasq(att, { ...opts, ips: cidrs('10.4.0.3/24') });
      assert.deepEqual(natLines(ns.host.name), [], 'the IPv4 rules are gone');
      assert.equal(natLines(ns.host.name, true).length, 4, 'ip6tables was not searched: only IPv4 addresses were given');
      assert.ok(natLines(ns.host.name, true).includes(`:${chain} - [0:0]`));
      teardownIpMasq(att, { ...opts, ips: [] });
      assert.equal(natLines(ns.host.name, true).length, 4, 'no addresses: no iptables family to search');
      teardownIpMasq(att, opts);
      assert.deepEqual(natLines(ns.host.name, true), []);
    });

    it("removes a chain's only attachment in one iptables-restore, and reads the table first when the chain is shared", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fw-test-'));
      const log = path.join(dir, 'calls');
      const savedPath = process.env.PATH;
      try {
        // Shims that log each call and run the real tool (found on the PATH after the shims' directory).
        for (const tool of ['iptables-save', 'iptables-restore', 'ip6tables-save', 'ip6tables-restore']) {
          const real = execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim();
          fs.writeFileSync(path.join(dir, tool), `#!/bin/sh\necho ${tool} >> ${log}\nexec ${real} "$@"\n`, { mode: 0o755 });
        }
        process.env.PATH = `${dir}:${savedPath}`;
        const calls = (): string[] => {
          const got = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
          fs.rmSync(log, { force: true });
          return got;
        };
        const opts = { netns: ns.host };
        const eth0 = { network: 'sole', containerId: 'c1', ifname: 'eth0' };
        const net1 = { ...eth0, ifname: 'net1' };
        setupIpMasq({ ...eth0, ips: cidrs('10.4.0.2/24') }, opts);
        calls();
        teardownIpMasq(eth0, { ...opts, ips: cidrs('10.4.0.2/24') });
        assert.deepEqual(calls(), ['iptables-restore'], 'the only user: one batch, no save');
        assert.deepEqual(natLines(ns.host.name), []);

        setupIpMasq({ ...eth0, ips: cidrs('10.4.0.2/24') }, opts);
        setupIpMasq({ ...net1, ips: cidrs('10.5.0.2/24') }, opts);
        const net1Only = natLines(ns.host.name).filter((l) => !l.includes('10.4.0.2'));
        calls();
        teardownIpMasq(eth0, { ...opts, ips: cidrs('10.4.0.2/24') });
        assert.deepEqual(calls(), ['iptables-restore', 'iptables-save', 'iptables-restore'], 'net1 still jumps to the chain: the batch failed whole, then the planned removal');
        assert.deepEqual(natLines(ns.host.name), net1Only, "net1's rules stay exactly");
        calls(); // natLines ran iptables-save through the shims too
        teardownIpMasq(net1, { ...opts, ips: cidrs('10.5.0.2/24') });
        assert.deepEqual(calls(), ['iptables-restore']);
        assert.deepEqual(natLines(ns.host.name), []);
      } finally {
        process.env.PATH = savedPath;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it('cuts a comment to the 255 bytes xt_comment keeps, and still never duplicates', () => {
      const req = { network: 'n'.repeat(300), containerId: 'c1', ifname: 'eth0', ips: cidrs('10.4.0.2/24'), backend: 'iptables' as const };
      setupIpMasq(req, { netns: ns.host });
      setupIpMasq(req, { netns: ns.host });
      const lines = natLines(ns.host.name);
      assert.equal(lines.length, 4);
      const comment = /--comment "((?:[^"\\]|\\.)*)"/.exec(lines[1]!)![1]!.replace(/\\(.)/g, '$1');
      assert.equal(comment, `name: "${'n'.repeat(248)}`); // 7 + 248 = 255 bytes
      teardownIpMasq(req, { netns: ns.host });
      assert.deepEqual(natLines(ns.host.name), []);
    });

    it('reports xtables lock contention as a retryable error naming the command and its stderr', () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-fw-test-'));
      const savedPath = process.env.PATH;
      try {
        const fake = path.join(dir, 'iptables-restore');
        fs.writeFileSync(fake, '#!/bin/sh\necho "Another app is currently holding the xtables lock. Stopped waiting after 5s." >&2\nexit 4\n', { mode: 0o755 });
        process.env.PATH = `${dir}:${savedPath}`;
        const err = (() => {
          try {
            setupIpMasq({ network: 'n', containerId: 'c1', ifname: 'eth0', ips: cidrs('10.4.0.2/24') }, { netns: ns.host });
          } catch (e) {
            return e;
          }
          return undefined;
        })();
        assert.ok(err instanceof FirewallError, String(err));
        assert.equal(err.message, 'iptables-restore -w 5 --noflush: exit status 4: Another app is currently holding the xtables lock. Stopped waiting after 5s.');
        assert.equal(isRetryable(err), true);
        assert.equal(toCniError(err).code, 11);
      } finally {
        process.env.PATH = savedPath;
        fs.rmSync(dir, { recursive: true, force: true });
      }
      assert.deepEqual(natLines(ns.host.name), []);
    });
  });

  describe('nftables backend', () => {
    it('installs the reference table, chains and one commented rule per address, once', () => {
      const opts = { netns: ns.host };
      const req = { network: 'unit-test', containerId: 'two', ifname: 'eth0', ips: cidrs('192.168.1.2/24', '2001:db8::2/64'), backend: 'nftables' as const };
      assert.equal(setupIpMasq(req, opts), 'nftables');
      const comment = '6fd94d501e58f0aa-d750b2c8f0f25d5f, net: unit-test, if: eth0, id: two';
      const text = exec(ns.host.name, 'nft', 'list', 'table', 'inet', 'cni_plugins_masquerade');
      assert.match(text, /chain postrouting \{\s+type nat hook postrouting priority srcnat; policy accept;\s+ip daddr 224\.0\.0\.0\/4 return\s+ip6 daddr ff00::\/8 return\s+goto masq_checks\s+\}/);
      const rules = () => nftMasqRules(ns.host.name).map((r) => ({ chain: r.chain, comment: r.comment }));
      const expected = [
        { chain: 'masq_checks', comment },
        { chain: 'masq_checks', comment },
        { chain: 'postrouting', comment: undefined },
        { chain: 'postrouting', comment: undefined },
        { chain: 'postrouting', comment: undefined },
      ];
      assert.deepEqual(rules(), expected);
      assert.match(text, /ip saddr 192\.168\.1\.2 ip daddr != 192\.168\.1\.0\/24 masquerade comment/);
      assert.match(text, /ip6 saddr 2001:db8::2 ip6 daddr != 2001:db8::\/64 masquerade comment/);
      setupIpMasq(req, opts);
      assert.deepEqual(rules(), expected, 'a repeated ADD replaces, never duplicates');
      assert.deepEqual(natLines(ns.host.name), [], 'nothing in iptables');
    });

    it('fails as one transaction, naming the refused op and the kernel\'s reason, when the table holds a conflicting chain', () => {
      exec(ns.host.name, 'nft', 'add table inet cni_plugins_masquerade');
      exec(ns.host.name, 'nft', 'add chain inet cni_plugins_masquerade postrouting { type filter hook postrouting priority 0 ; }');
      assert.throws(
        () => setupIpMasq({ network: 'n', containerId: 'c1', ifname: 'eth0', ips: cidrs('10.4.0.2/24'), backend: 'nftables' }, { netns: ns.host }),
        (err: unknown) => err instanceof FirewallError && err.message.startsWith('netlink nftables addChain cni_plugins_masquerade postrouting: EOPNOTSUPP') && /Operation not supported/.test(err.stderr),
      );
      assert.deepEqual(nftMasqRules(ns.host.name), [], 'nothing was applied');
      assert.doesNotMatch(exec(ns.host.name, 'nft', 'list', 'ruleset'), /masq_checks/);
    });

    it('tears down by comment, twice, including a rule the reference wrote', () => {
      const opts = { netns: ns.host };
      setupIpMasq({ network: 'n1', containerId: 'c1', ifname: 'eth0', ips: cidrs('10.4.0.2/24'), backend: 'nftables' }, opts);
      setupIpMasq({ network: 'n1', containerId: 'c2', ifname: 'eth0', ips: cidrs('10.4.0.3/24'), backend: 'nftables' }, opts);
      // A rule as knftables writes it for ("n1", "eth1", "c1"), i.e. the reference's second interface.
      exec(ns.host.name, 'nft', `add rule inet cni_plugins_masquerade masq_checks ip saddr == 10.5.0.2 ip daddr != 10.5.0.0/24 masquerade comment "${refNftComment('n1', 'eth1', 'c1')}"`);
      assert.equal(nftMasqRules(ns.host.name).filter((r) => r.chain === 'masq_checks').length, 3);
      teardownIpMasq({ network: 'n1', containerId: 'c1', ifname: 'eth1' }, opts);
      teardownIpMasq({ network: 'n1', containerId: 'c1', ifname: 'eth0' }, opts);
      teardownIpMasq({ network: 'n1', containerId: 'c1', ifname: 'eth0' }, opts);
      const left = nftMasqRules(ns.host.name).filter((r) => r.chain === 'masq_checks');
      assert.deepEqual(left.map((r) => r.comment), [refNftComment('n1', 'eth0', 'c2')]);
    });
  });

  describe('two interfaces of one container (one shared iptables chain)', () => {
    /** Everything masquerading could touch in the test's host netns: both nat tables and the nft ruleset. */
    // iptables-nft creates the nat table and its empty POSTROUTING base chain on first use, as
    // iptables' own plumbing (legacy iptables has them always): they are not the attachment's, other
    // tools share them, and they stay.
    const IPTABLES_PLUMBING = /table ip6? nat \{\n\tchain POSTROUTING \{\n\t\ttype nat hook postrouting priority srcnat; policy accept;\n\t\}\n\}\n/g;
    const state = () => ({
      v4: natLines(ns.host.name), v6: natLines(ns.host.name, true), nft: exec(ns.host.name, 'nft', 'list', 'ruleset').replace(IPTABLES_PLUMBING, ''),
    });
    for (const backend of ['iptables', 'nftables'] as const) {
      it(`${backend}: DEL of net1 leaves eth0's rules exactly, DEL of eth0 leaves the tables as they were`, () => {
        const opts = { netns: ns.host };
        const eth0 = { network: 'pod', containerId: 'c1', ifname: 'eth0', ips: cidrs('10.4.0.2/24', 'fd00:4::2/64'), backend };
        const net1 = { network: 'pod', containerId: 'c1', ifname: 'net1', ips: cidrs('10.5.0.2/24', 'fd00:5::2/64'), backend };
        const before = state();
        setupIpMasq(eth0, opts);
        const eth0Only = state();
        setupIpMasq(net1, opts);
        assert.notDeepEqual(state(), eth0Only);
        teardownIpMasq(net1, opts);
        assert.deepEqual(state(), eth0Only, 'eth0 keeps exactly its rules');
        teardownIpMasq(net1, opts);
        assert.deepEqual(state(), eth0Only, 'a repeated DEL of net1 changes nothing');
        teardownIpMasq(eth0, opts);
        assert.deepEqual(state(), before, 'nothing is left: no chain, no jump, no table');
      });
    }

    it('iptables: eth0 written by the reference, net1 by us: each DEL removes its own', () => {
      const chain = chainOf('pod', 'c1');
      const comment = 'name: "pod" id: "c1"';
      const ipt = (...args: string[]) => exec(ns.host.name, 'iptables', '-t', 'nat', ...args);
      const before = natLines(ns.host.name);
      ipt('-N', chain);
      ipt('-A', chain, '-d', '10.4.0.2/24', '-j', 'ACCEPT', '-m', 'comment', '--comment', comment);
      ipt('-A', chain, '!', '-d', '224.0.0.0/4', '-j', 'MASQUERADE', '-m', 'comment', '--comment', comment);
      ipt('-A', 'POSTROUTING', '-s', '10.4.0.2', '-j', chain, '-m', 'comment', '--comment', comment);
      const refOnly = natLines(ns.host.name);
      setupIpMasq({ network: 'pod', containerId: 'c1', ifname: 'net1', ips: cidrs('10.5.0.2/24') }, { netns: ns.host });
      teardownIpMasq({ network: 'pod', containerId: 'c1', ifname: 'net1' }, { netns: ns.host });
      assert.deepEqual(natLines(ns.host.name), refOnly, 'the reference\'s eth0 rules are untouched');
      setupIpMasq({ network: 'pod', containerId: 'c1', ifname: 'net1', ips: cidrs('10.5.0.2/24') }, { netns: ns.host });
      teardownIpMasq({ network: 'pod', containerId: 'c1', ifname: 'eth0' }, { netns: ns.host, ips: cidrs('10.4.0.2/24') });
      assert.doesNotMatch(natLines(ns.host.name).join('\n'), /10\.4\.0/, 'the reference\'s eth0 rules are gone');
      assert.match(natLines(ns.host.name).join('\n'), /-s 10\.5\.0\.2\/32 -m comment/, 'net1 still masquerades');
      teardownIpMasq({ network: 'pod', containerId: 'c1', ifname: 'net1' }, { netns: ns.host });
      assert.deepEqual(natLines(ns.host.name), before);
    });

    it('nftables: the table, chains and rule the reference writes (and leaves after its DEL) go with our DEL', () => {
      const before = exec(ns.host.name, 'nft', 'list', 'ruleset');
      // knftables' transaction for ("pod", "eth0", "c1"), from pkg/ip/ipmasq_nftables_linux.go.
      const T = 'inet cni_plugins_masquerade';
      exec(ns.host.name, 'nft', [
        `add table ${T} { comment "Masquerading for plugins from github.com/containernetworking/plugins" ; }`,
        `add chain ${T} masq_checks { comment "Masquerade traffic from certain IPs to any (non-multicast) IP outside their subnet" ; }`,
        `add chain ${T} postrouting { type nat hook postrouting priority srcnat ; }`,
        `flush chain ${T} postrouting`,
        `add rule ${T} postrouting ip daddr == 224.0.0.0/4  return`,
        `add rule ${T} postrouting ip6 daddr == ff00::/8  return`,
        `add rule ${T} postrouting goto masq_checks`,
        `add rule ${T} masq_checks ip saddr == 10.4.0.2 ip daddr != 10.4.0.0/24 masquerade comment "${refNftComment('pod', 'eth0', 'c1')}"`,
      ].join('\n'));
      teardownIpMasq({ network: 'pod', containerId: 'c1', ifname: 'eth0' }, { netns: ns.host });
      assert.equal(exec(ns.host.name, 'nft', 'list', 'ruleset'), before);
    });
  });

  describe('GC and backend selection', () => {
    it('lists the attachments of a network in both backends and removes those not valid', () => {
      const opts = { netns: ns.host };
      setupIpMasq({ network: 'gcnet', containerId: 'keep', ifname: 'eth0', ips: cidrs('10.4.0.2/24', 'fd00::2/64') }, opts);
      setupIpMasq({ network: 'gcnet', containerId: 'stale', ifname: 'eth0', ips: cidrs('10.4.0.3/24') }, opts);
      setupIpMasq({ network: 'gcnet', containerId: 'keep', ifname: 'net1', ips: cidrs('10.6.0.2/24'), backend: 'nftables' }, opts);
      setupIpMasq({ network: 'gcnet', containerId: 'gone', ifname: 'eth0', ips: cidrs('10.4.0.9/24'), backend: 'nftables' }, opts);
      setupIpMasq({ network: 'other', containerId: 'stale', ifname: 'eth0', ips: cidrs('10.7.0.3/24') }, opts);
      const summary = (entries: ReturnType<typeof listIpMasq>) => entries.map((e) => `${e.backend}/${e.family ?? '-'}/${e.containerId}/${e.ifname ?? '-'}`).sort();
      // A second interface of a kept container that is itself stale: GC goes per interface.
      setupIpMasq({ network: 'gcnet', containerId: 'keep', ifname: 'net2', ips: cidrs('10.4.0.4/24') }, opts);
      assert.deepEqual(summary(listIpMasq('gcnet', opts)), [
        'iptables/4/keep/eth0', 'iptables/4/keep/net2', 'iptables/4/stale/eth0', 'iptables/6/keep/eth0', 'nftables/-/gone/eth0', 'nftables/-/keep/net1',
      ]);
      const removed = gcIpMasq('gcnet', [{ containerId: 'keep', ifname: 'eth0' }, { containerId: 'keep', ifname: 'net1' }], opts);
      assert.deepEqual(summary(removed), ['iptables/4/keep/net2', 'iptables/4/stale/eth0', 'nftables/-/gone/eth0']);
      assert.deepEqual(summary(listIpMasq('gcnet', opts)), ['iptables/4/keep/eth0', 'iptables/6/keep/eth0', 'nftables/-/keep/net1']);
      assert.deepEqual(summary(listIpMasq('other', opts)), ['iptables/4/stale/eth0'], 'another network is not collected');
      assert.doesNotMatch(natLines(ns.host.name).join('\n'), /10\.4\.0\.4/, 'net2\'s rules are gone, eth0\'s stay');
      assert.equal(natLines(ns.host.name).filter((l) => l.includes(chainOf('gcnet', 'stale'))).length, 0);
    });

    it('picks iptables when it is usable, takes an explicit choice', () => {
      assert.equal(selectIpMasqBackend(undefined, { netns: ns.host }), 'iptables');
      assert.equal(selectIpMasqBackend('nftables', { netns: ns.host }), 'nftables');
      assert.throws(() => setupIpMasq({ network: 'n', containerId: 'c', ifname: 'e', ips: [], exclude: ['10.0.0.2'] }, { netns: ns.host }), /not an address with a prefix/);
    });
  });
});

/** The reference's nft comment, rebuilt here from its definition (sha512 by coreutils). */
function refNftComment(net: string, ifname: string, cid: string): string {
  const h = (s: string) => execFileSync('sha512sum', [], { input: s, encoding: 'utf8' }).slice(0, 16);
  return `${h(net)}-${h(`${ifname}:${cid}`)}, net: ${net}, if: ${ifname}, id: ${cid}`;
}
