import assert from 'node:assert/strict';
import { parseCniArgs, pickCniArgs } from '../../../../lib/cni/args';
import { CniError } from '../../../../lib/cni/errors';

describe('lib/cni/args', () => {
  describe('parseCniArgs', () => {
    const table: Array<[string, Array<[string, string]>]> = [
      ['', []],
      ['IP=10.0.0.5', [['IP', '10.0.0.5']]],
      ['IgnoreUnknown=1;K8S_POD_NAME=web-0;K8S_POD_NAMESPACE=default', [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web-0'], ['K8S_POD_NAMESPACE', 'default']]],
      ['MAC=', [['MAC', '']]],
      ['TOKEN=YWJj==;A=b=c', [['TOKEN', 'YWJj=='], ['A', 'b=c']]],
      ['A=1;;B=2;', [['A', '1'], ['B', '2']]],
      ['A=1;A=2', [['A', '2']]],
      ['ip=1;IP=2', [['ip', '1'], ['IP', '2']]],
    ];
    for (const [raw, expected] of table) {
      it(`parses ${JSON.stringify(raw)}`, () => assert.deepEqual([...parseCniArgs(raw)], expected));
    }
    for (const bad of ['novalue', 'A=1;junk', '=v']) {
      it(`rejects ${JSON.stringify(bad)} with code 4`, () => {
        const pair = bad.split(';').find((p) => p.indexOf('=') <= 0);
        assert.throws(() => parseCniArgs(bad), (err: CniError) => {
          assert.equal(err.code, 4);
          assert.equal(err.message, `CNI_ARGS: invalid pair ${JSON.stringify(pair)}`);
          return true;
        });
      });
    }
  });

  describe('pickCniArgs', () => {
    it('returns the known keys present', () => {
      assert.deepEqual(pickCniArgs('IP=10.0.0.5;MAC=aa:bb:cc:dd:ee:ff', ['IP', 'MAC', 'OTHER']), { IP: '10.0.0.5', MAC: 'aa:bb:cc:dd:ee:ff' });
      assert.deepEqual(pickCniArgs('', ['IP']), {});
    });

    it('rejects unknown keys, listing the pairs', () => {
      assert.throws(() => pickCniArgs('IP=1;K8S_POD_NAME=web;X=2', ['IP']), (err: CniError) => {
        assert.equal(err.code, 4);
        assert.equal(err.message, 'CNI_ARGS: unknown args ["K8S_POD_NAME=web","X=2"]');
        return true;
      });
    });

    for (const yes of ['1', 'true', 'TRUE', 'True']) {
      it(`ignores unknown keys with IgnoreUnknown=${yes}`, () => {
        assert.deepEqual(pickCniArgs(`IgnoreUnknown=${yes};K8S_POD_NAME=web;IP=1`, ['IP']), { IP: '1' });
      });
    }

    it('still rejects unknown keys with IgnoreUnknown=0 or false', () => {
      assert.throws(() => pickCniArgs('IgnoreUnknown=0;X=1', ['IP']), /unknown args \["X=1"\]/);
      assert.throws(() => pickCniArgs('IgnoreUnknown=false;X=1', ['IP']), /unknown args \["X=1"\]/);
    });

    it('rejects an IgnoreUnknown that is not a boolean, even with nothing unknown', () => {
      assert.throws(() => pickCniArgs('IgnoreUnknown=yes', ['IP']), (err: CniError) => {
        assert.equal(err.code, 4);
        assert.equal(err.message, 'CNI_ARGS: IgnoreUnknown must be 1, 0, true or false (got "yes")');
        return true;
      });
    });

    it('matches keys case-sensitively, as the reference matches Go field names', () => {
      assert.throws(() => pickCniArgs('ip=1', ['IP']), /unknown args \["ip=1"\]/);
    });
  });
});
