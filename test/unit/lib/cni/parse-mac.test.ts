import assert from 'node:assert/strict';
import { CniError } from '../../../../lib/cni';
import { parseMac } from '../../../../lib/cni/parse-mac';

/** Asserts that `fn` throws a CniError with `code` whose message is `msg`. */
function throwsCni(fn: () => unknown, code: number, msg: string | RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof CniError && e.code === code && (typeof msg === 'string' ? e.message === msg : msg.test(e.message)));
}

describe('lib/cni/parse-mac', () => {
  it('accepts colon and dash forms, and returns lower case with colons', () => {
    assert.equal(parseMac('aa:bb:cc:dd:ee:f0', 'x'), 'aa:bb:cc:dd:ee:f0');
    assert.equal(parseMac('0A-58-0A-00-00-0F', 'x'), '0a:58:0a:00:00:0f');
  });
  it('refuses mixed separators, short and long forms, and non-hex digits (code 7, naming the key)', () => {
    for (const bad of ['aa:bb-cc:dd:ee:f0', 'aa:bb:cc:dd:ee', '0a:58:0a:00:00:0f:01', '0g:58:0a:00:00:0f']) {
      throwsCni(() => parseMac(bad, '/mac'), 7, /^invalid config: \/mac: not a MAC address/);
    }
  });
  it('refuses multicast and all-zero addresses', () => {
    throwsCni(() => parseMac('01:00:5e:00:00:01', '/mac'), 7, /multicast MAC address cannot be an interface address/);
    throwsCni(() => parseMac('00:00:00:00:00:00', '/mac'), 7, /all-zero MAC address/);
  });
  it('with another code, the message is not worded as a config error', () => {
    throwsCni(() => parseMac('zz', 'CNI_ARGS MAC', 4), 4, 'CNI_ARGS MAC: not a MAC address (want six hex bytes such as 0a:58:0a:01:00:02) (got "zz")');
  });
});
