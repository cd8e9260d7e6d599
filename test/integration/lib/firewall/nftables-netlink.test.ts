// The nftables masquerade backend over netlink against the nft tool it replaced: for the same input, the
// table written through netlink in one throwaway netns and by the old `nft -f` script (nftSetupScript,
// kept as the oracle) in another print the same `nft list table` text; and removal over netlink takes
// away rules nft wrote.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { nftSetupScript, setupNftMasq, teardownNftMasq } from '../../../../lib/firewall/nftables';
import { parseCidr, type Cidr } from '../../../../lib/ip';
import { useNetnsPair } from '../../../helpers/netns';

const cidrs = (...text: string[]): Cidr[] => text.map((t) => parseCidr(t)!);

function nft(nsName: string, input: string, ...args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', nsName, 'nft', ...args], { input, encoding: 'utf8' });
}
const listing = (nsName: string): string => nft(nsName, '', 'list', 'table', 'inet', 'cni_plugins_masquerade');
const ruleset = (nsName: string): string => nft(nsName, '', 'list', 'ruleset');

describe('lib/firewall nftables over netlink (integration)', function () {
  const ns = useNetnsPair();

  const CASES: Array<[string, Cidr[], Cidr[]]> = [
    ['dual stack, byte-aligned prefixes', cidrs('192.168.1.2/24', '2001:db8::2/64'), []],
    ['prefixes that need a mask', cidrs('10.1.16.5/20', 'fd00:1:2:30::5/60'), []],
    ['an exclude that contains the subnet (one destination)', cidrs('10.244.3.2/24'), cidrs('10.244.0.0/16', 'fd00::/8')],
    ['an exclude beside the subnet (an anonymous set, still written by nft)', cidrs('10.9.0.2/24'), cidrs('10.244.0.0/16')],
  ];
  for (const [what, ips, exclude] of CASES) {
    it(`writes what nft -f writes: ${what}`, () => {
      setupNftMasq('n1', 'eth0', 'c1', ips, { netns: ns.host }, exclude);
      setupNftMasq('n1', 'eth0', 'c2', ips.map((c) => ({ ...c })), { netns: ns.host }, exclude);
      nft(ns.container.name, nftSetupScript('n1', 'eth0', 'c1', ips, [], exclude), '-f', '-');
      nft(ns.container.name, nftSetupScript('n1', 'eth0', 'c2', ips, [], exclude), '-f', '-');
      assert.equal(listing(ns.host.name), listing(ns.container.name));
    });
  }

  it('a repeated ADD replaces the attachment\'s rules, as nft -f with the stale handles does', () => {
    const ips = cidrs('10.4.0.2/24');
    setupNftMasq('n1', 'eth0', 'c1', ips, { netns: ns.host });
    setupNftMasq('n1', 'eth0', 'c1', ips, { netns: ns.host });
    nft(ns.container.name, nftSetupScript('n1', 'eth0', 'c1', ips), '-f', '-');
    assert.equal(listing(ns.host.name), listing(ns.container.name));
  });

  it('DEL over netlink removes rules written by nft -f, and the table with the last of them', () => {
    const name = ns.host.name;
    nft(name, nftSetupScript('n1', 'eth0', 'c1', cidrs('10.4.0.2/24', 'fd00::2/64')), '-f', '-');
    nft(name, nftSetupScript('n1', 'eth0', 'c2', cidrs('10.4.0.3/24')), '-f', '-');
    teardownNftMasq('n1', 'eth0', 'c1', { netns: ns.host });
    const left = listing(name);
    assert.doesNotMatch(left, /10\.4\.0\.2|fd00::2/);
    assert.match(left, /ip saddr 10\.4\.0\.3 ip daddr != 10\.4\.0\.0\/24 masquerade comment/);
    assert.match(left, /ip daddr 224\.0\.0\.0\/4 return\n\s+ip6 daddr ff00::\/8 return\n\s+goto masq_checks/, 'postrouting rewritten');
    teardownNftMasq('n1', 'eth0', 'c2', { netns: ns.host });
    assert.doesNotMatch(ruleset(name), /cni_plugins_masquerade/);
    teardownNftMasq('n1', 'eth0', 'c2', { netns: ns.host }); // nothing there: success
  });
});
