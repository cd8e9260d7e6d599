import assert from 'node:assert/strict';
import { parseCidr, parseIP } from '../../../../lib/ip';
import type { HostportRequest } from '../../../../lib/firewall';
import {
  dnatChainName, dnatComment, hostportContainers, hostportMissing, hostportSetupScript, hostportTeardownScript, markSpec,
} from '../../../../lib/firewall/hostport-iptables';
import { nftHostportScript } from '../../../../lib/firewall/hostport-nftables';
import { parseSave } from '../../../../lib/firewall/iptables-save';

const req = (extra: Partial<HostportRequest> = {}): HostportRequest => ({
  network: 'pmnet', containerId: 'abc123', container: parseCidr('10.99.0.2/24')!, snat: true, masqAll: false, markBit: 13, conditions: [],
  mappings: [
    { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
    { hostPort: 5353, containerPort: 53, protocol: 'udp', hostIP: parseIP('10.99.0.1')! },
  ],
  ...extra,
});

/** What iptables-save printed after the reference portmap's ADD of req() (Debian's containernetworking-plugins). */
const REFERENCE_SAVE = `*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:CNI-DN-b5380f05ebb61736bc431 - [0:0]
:CNI-HOSTPORT-DNAT - [0:0]
:CNI-HOSTPORT-MASQ - [0:0]
:CNI-HOSTPORT-SETMARK - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
-A POSTROUTING -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
-A CNI-DN-b5380f05ebb61736bc431 -s 10.99.0.0/24 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
-A CNI-DN-b5380f05ebb61736bc431 -s 127.0.0.1/32 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK
-A CNI-DN-b5380f05ebb61736bc431 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.99.0.2:80
-A CNI-DN-b5380f05ebb61736bc431 -s 10.99.0.0/24 -d 10.99.0.1/32 -p udp -m udp --dport 5353 -j CNI-HOSTPORT-SETMARK
-A CNI-DN-b5380f05ebb61736bc431 -s 127.0.0.1/32 -d 10.99.0.1/32 -p udp -m udp --dport 5353 -j CNI-HOSTPORT-SETMARK
-A CNI-DN-b5380f05ebb61736bc431 -d 10.99.0.1/32 -p udp -m udp --dport 5353 -j DNAT --to-destination 10.99.0.2:53
-A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"pmnet\\" id: \\"abc123\\"" -m multiport --dports 8080 -j CNI-DN-b5380f05ebb61736bc431
-A CNI-HOSTPORT-DNAT -p udp -m comment --comment "dnat name: \\"pmnet\\" id: \\"abc123\\"" -m multiport --dports 5353 -j CNI-DN-b5380f05ebb61736bc431
-A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
-A CNI-HOSTPORT-SETMARK -m comment --comment "CNI portfwd masquerade mark" -j MARK --set-xmark 0x2000/0x2000
COMMIT
`;
const EMPTY = parseSave('*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n');

describe('lib/firewall/hostport-iptables', () => {
  it("names the chain as the reference does: CNI-DN- and 21 hex digits of sha512(network + id)", () => {
    assert.equal(dnatChainName('pmnet', 'abc123'), 'CNI-DN-b5380f05ebb61736bc431');
  });
  it('writes the mark as Go prints %#x/%#x, and cuts a long comment as the reference', () => {
    assert.deepEqual([markSpec(0), markSpec(13), markSpec(31)], ['0x1/0x1', '0x2000/0x2000', '0x80000000/0x80000000']);
    const long = dnatComment('n'.repeat(300), 'id');
    assert.equal(Buffer.byteLength(long), 256);
    assert.ok(long.endsWith('...'));
  });
  it("into an empty table writes the reference's rules exactly, so nothing is missing afterwards", () => {
    const script = hostportSetupScript(EMPTY, req());
    for (const chain of ['CNI-HOSTPORT-SETMARK', 'CNI-HOSTPORT-MASQ', 'CNI-HOSTPORT-DNAT', 'CNI-DN-b5380f05ebb61736bc431']) assert.match(script, new RegExp(`^-N ${chain}$`, 'm'));
    assert.match(script, /^-I POSTROUTING 1 -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ$/m);
    // The reference's saved table has every rule we would write, in the form we write it.
    assert.deepEqual(hostportMissing(parseSave(REFERENCE_SAVE), req()), []);
  });
  it("over the reference's rules adds no shared rule, and rewrites the container's chain and jumps", () => {
    const lines = hostportSetupScript(parseSave(REFERENCE_SAVE), req({ mappings: [{ hostPort: 9090, containerPort: 90, protocol: 'tcp' }] })).split('\n');
    assert.deepEqual(lines.filter((l) => /^-[NI]/.test(l)), [], 'no chain made, nothing inserted');
    assert.ok(lines.includes('-F CNI-DN-b5380f05ebb61736bc431'));
    assert.equal(lines.filter((l) => l.startsWith('-D CNI-HOSTPORT-DNAT ')).length, 2, 'the old jumps go');
    assert.ok(lines.some((l) => l.startsWith('-A CNI-HOSTPORT-DNAT -p tcp') && l.includes('--dports 9090')));
  });
  it('tears down by name alone: the jumps, then the chain; nothing when there is none', () => {
    const script = hostportTeardownScript(parseSave(REFERENCE_SAVE), 'pmnet', 'abc123')!;
    assert.deepEqual(script.split('\n').filter((l) => l.startsWith('-')).map((l) => l.split(' ').slice(0, 2).join(' ')), [
      '-D CNI-HOSTPORT-DNAT', '-D CNI-HOSTPORT-DNAT', '-F CNI-DN-b5380f05ebb61736bc431', '-X CNI-DN-b5380f05ebb61736bc431',
    ]);
    assert.equal(hostportTeardownScript(parseSave(REFERENCE_SAVE), 'pmnet', 'other'), undefined);
  });
  it("finds a network's containers by the entry comments, checked against the chain hash", () => {
    assert.deepEqual(hostportContainers(parseSave(REFERENCE_SAVE), 'pmnet'), ['abc123']);
    assert.deepEqual(hostportContainers(parseSave(REFERENCE_SAVE), 'other'), []);
  });
  it('CHECK finds entry rules whose conditions iptables-save reordered and respelled', () => {
    const saved = parseSave(REFERENCE_SAVE.replace(/(-m multiport --dports \d+) -j/g, '-s 1.2.3.4/32 $1 -j'));
    assert.deepEqual(hostportMissing(saved, req({ conditions: ['-s', '1.2.3.4'] })), []);
  });
  it('reports what CHECK misses, naming the rule', () => {
    const missing = hostportMissing(parseSave(REFERENCE_SAVE), req({ mappings: [{ hostPort: 8081, containerPort: 81, protocol: 'tcp' }] }));
    assert.match(missing[0]!, /--dport 8081 .* not found in chain CNI-DN-/);
    assert.deepEqual(hostportMissing(EMPTY, req()), ['chain CNI-DN-b5380f05ebb61736bc431 not found in iptables table nat']);
  });
  it('IPv6: no localhost rule, bracketed DNAT target, an IPv4 hostIP mapping left out; masqAll drops the source match', () => {
    const six = hostportSetupScript(EMPTY, req({ container: parseCidr('fd99::2/64')! }));
    assert.match(six, /-A CNI-DN-\S+ -s fd99::\/64 -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK/);
    assert.match(six, /--to-destination "\[fd99::2\]:80"/);
    assert.doesNotMatch(six, /127\.0\.0\.1|--dport 5353 -j/);
    const all = hostportSetupScript(EMPTY, req({ masqAll: true }));
    assert.match(all, /^-A CNI-DN-\S+ -p tcp -m tcp --dport 8080 -j CNI-HOSTPORT-SETMARK$/m);
  });
});

describe('lib/firewall/hostport-nftables', () => {
  it("writes the reference's table, a rule per mapping and the masquerades, each with the container ID", () => {
    const script = nftHostportScript(req(), [{ chain: 'hostports', handle: 7 }]);
    assert.match(script, /^add table ip cni_hostport \{ comment "CNI portmap plugin" ; \}$/m);
    assert.match(script, /^delete rule ip cni_hostport hostports handle 7$/m);
    assert.match(script, /^add rule ip cni_hostport hostports tcp dport 8080 dnat to 10\.99\.0\.2:80 comment "abc123"$/m);
    assert.match(script, /^add rule ip cni_hostport hostports ip daddr 10\.99\.0\.1 udp dport 5353 dnat to 10\.99\.0\.2:53 comment "abc123"$/m);
    assert.match(script, /^add rule ip cni_hostport masquerading ip saddr 10\.99\.0\.2 ip daddr 10\.99\.0\.2 masquerade comment "abc123"$/m);
    assert.match(script, /^add rule ip cni_hostport masquerading ip saddr 127\.0\.0\.1 ip daddr 10\.99\.0\.2 masquerade comment "abc123"$/m);
    const six = nftHostportScript(req({ container: parseCidr('fd99::2/64')!, conditions: ['ip6 saddr fd00::/8'] }), []);
    assert.match(six, /^add rule ip6 cni_hostport prerouting ip6 saddr fd00::\/8 fib daddr type local jump hostports_all$/m);
    assert.match(six, /dnat to \[fd99::2\]:80/);
    assert.doesNotMatch(six, /127\.0\.0\.1|dport 5353/);
  });
});
