import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  formatAttachmentComment, formatChainName, formatComment, goQuote, goUnquote, nftComment, nftInstanceHash, nftNetworkHash,
  parseAttachmentComment, parseComment, parseNftComment, spoofCheckRefId,
} from '../../../../lib/firewall/names';

/** sha512 hex by coreutils, so the expectation does not come from the code under test's library. */
function sha512sum(text: string): string {
  return execFileSync('sha512sum', [], { input: text, encoding: 'utf8' }).split(' ')[0]!;
}

describe('lib/firewall/names', () => {
  describe('formatChainName (reference utils.FormatChainName)', () => {
    it('matches the reference test vectors', () => {
      // plugins:pkg/utils/utils_test.go
      assert.equal(formatChainName('test', '1234'), 'CNI-2bbe0c48b91a7d1b8a6753a8');
      assert.equal(formatChainName('testalongnamethatdoesnotmakesense', '1234'), 'CNI-374f33fe84ab0ed84dcdebe3');
    });

    it('is CNI- and the first 24 hex digits of sha512(network + containerID), 28 characters', () => {
      const cid = '3f1b2c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809';
      const chain = formatChainName('mynet', cid);
      assert.equal(chain, `CNI-${sha512sum(`mynet${cid}`).slice(0, 24)}`);
      assert.equal(chain.length, 28);
      assert.notEqual(formatChainName('mynet', 'b'), formatChainName('mynet', 'c'));
      // The hash is of the concatenation, so the split point does not matter (as in the reference).
      assert.equal(formatChainName('ab', 'c'), formatChainName('a', 'bc'));
    });
  });

  describe('formatComment and parseComment', () => {
    it('writes name: "<net>" id: "<cid>" with Go %q quoting', () => {
      assert.equal(formatComment('mynet', 'abc'), 'name: "mynet" id: "abc"');
      assert.equal(formatComment('a"b', 'c\\d'), 'name: "a\\"b" id: "c\\\\d"');
      assert.equal(formatComment('tab\there', 'nl\n'), 'name: "tab\\there" id: "nl\\n"');
      assert.equal(formatComment('x\x01', 'é'), 'name: "x\\x01" id: "é"');
    });

    it('round-trips what it writes and rejects other comments', () => {
      for (const [net, cid] of [['mynet', 'abc'], ['a"b', 'c\\d'], ['t\tx', 'é\u00a0'], ['', '']]) {
        assert.deepEqual(parseComment(formatComment(net!, cid!)), { network: net, containerId: cid });
      }
      assert.equal(parseComment('name: "x" id: "y" extra'), undefined);
      assert.equal(parseComment('"x" "y"'), undefined);
      assert.equal(parseComment('name: "x\\q" id: "y"'), undefined);
    });

    it('goQuote and goUnquote agree on escapes', () => {
      assert.equal(goQuote('\u00a0'), '"\\u00a0"');
      assert.equal(goQuote('\u{1f600}'), '"\u{1f600}"');
      assert.equal(goUnquote('"\\U0001f600\\x41"'), '\u{1f600}A');
      assert.equal(goUnquote('"unterminated\\"'), undefined);
    });

    it('formatAttachmentComment puts the interface first, where the 255-byte cut never reaches it', () => {
      assert.equal(formatAttachmentComment('mynet', 'c1', 'eth0'), 'if: "eth0" name: "mynet" id: "c1"');
      assert.equal(parseAttachmentComment(formatAttachmentComment('mynet', 'c1', 'net"1')), 'net"1');
      const cut = Buffer.from(formatAttachmentComment('n'.repeat(300), 'c1', 'eth0')).subarray(0, 255).toString();
      assert.equal(parseAttachmentComment(cut), 'eth0');
      assert.equal(parseAttachmentComment(formatComment('mynet', 'c1')), undefined, 'the reference\'s comment names no interface');
    });
  });

  describe('nftables comments (reference ipmasq_nftables_linux.go)', () => {
    it('matches the reference test vectors', () => {
      // plugins:pkg/ip/ipmasq_nftables_linux_test.go
      assert.equal(nftComment('unit-test', 'eth0', 'one'), '6fd94d501e58f0aa-287fc69eff0574a2, net: unit-test, if: eth0, id: one');
      assert.equal(nftComment('unit-test', 'eth0', 'two'), '6fd94d501e58f0aa-d750b2c8f0f25d5f, net: unit-test, if: eth0, id: two');
      assert.equal(nftComment('alternate', 'net1', 'three'), '82783ef24bdc7036-acb19d111858e348, net: alternate, if: net1, id: three');
    });

    it('hashes network and ifname:containerID separately, 16 hex digits each', () => {
      assert.equal(nftNetworkHash('mynet'), sha512sum('mynet').slice(0, 16));
      assert.equal(nftInstanceHash('mynet', 'eth0', 'c1'), `${sha512sum('mynet').slice(0, 16)}-${sha512sum('eth0:c1').slice(0, 16)}`);
    });

    it('drops double quotes and cuts the comment to 128 bytes, keeping the hash', () => {
      assert.equal(nftComment('n"et', 'eth0', 'c"1'), `${nftInstanceHash('n"et', 'eth0', 'c"1')}, net: net, if: eth0, id: c1`);
      const long = nftComment('mynet', 'eth0', 'f'.repeat(200));
      assert.equal(long.length, 128);
      assert.ok(long.startsWith(nftInstanceHash('mynet', 'eth0', 'f'.repeat(200))));
      assert.deepEqual(parseNftComment(long), { key: nftInstanceHash('mynet', 'eth0', 'f'.repeat(200)), ifname: 'eth0', containerId: long.slice(long.indexOf('id: ') + 4), truncated: true });
      assert.deepEqual(parseNftComment(nftComment('a', 'eth1', 'c9')), { key: nftInstanceHash('a', 'eth1', 'c9'), ifname: 'eth1', containerId: 'c9', truncated: false });
      assert.equal(parseNftComment('someone else'), undefined);
    });
  });

  it('spoofCheckRefId is <containerID>-<ifname> (bridge.go uniqueID)', () => {
    assert.equal(spoofCheckRefId('abc', 'eth0'), 'abc-eth0');
  });
});
