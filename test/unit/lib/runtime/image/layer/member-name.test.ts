import assert from 'node:assert/strict';
import { isAtOrUnder, linkTargetPath, memberPath, parentsOf, whiteoutOf } from '../../../../../../lib/runtime/image/layer/member-name';

describe('lib/runtime/image/layer/member-name', () => {
  describe('memberPath', () => {
    const accepted: [string, string][] = [
      ['bin/sh', 'bin/sh'],
      ['./bin/sh', 'bin/sh'],
      ['/etc/passwd', 'etc/passwd'], // absolute names land inside the layer, as GNU tar and docker do
      ['//etc//./passwd/', 'etc/passwd'],
      ['usr/', 'usr'],
      ['./', ''],
      ['.', ''],
      ['/', ''],
      ['a..b/..c', 'a..b/..c'],
      ['\xff\xfe/é', '\xff\xfe/é'], // bytes pass unchanged
    ];
    for (const [name, want] of accepted) it(`${JSON.stringify(name)} -> ${JSON.stringify(want)}`, () => assert.equal(memberPath(name), want));

    const refused: [string, RegExp][] = [
      ['', /empty name/],
      ['../x', /"\.\.\/x": name contains "\.\."/],
      ['a/../../x', /contains "\.\."/],
      ['/..', /contains "\.\."/],
      ['a/..', /contains "\.\."/],
      ['a\0b', /NUL/],
    ];
    for (const [name, message] of refused) {
      it(`refuses ${JSON.stringify(name)}`, () => assert.throws(() => memberPath(name), (err: Error & { kind?: string }) => err.name === 'ImageError' && err.kind === 'invalid' && message.test(err.message)));
    }
  });

  describe('linkTargetPath', () => {
    it('normalises like a member name', () => {
      assert.equal(linkTargetPath('l', './bin/busybox'), 'bin/busybox');
      assert.equal(linkTargetPath('l', '/bin/busybox'), 'bin/busybox');
    });
    it('refuses an escape, the root and a NUL, naming the member', () => {
      assert.throws(() => linkTargetPath('x', '../../etc/passwd'), /tar member "x": hard link target "\.\.\/\.\.\/etc\/passwd" escapes the layer/);
      assert.throws(() => linkTargetPath('x', './'), /hard link to the layer root/);
      assert.throws(() => linkTargetPath('x', 'a\0'), /NUL/);
    });
  });

  describe('whiteoutOf', () => {
    it('tells whiteouts, opaque markers and AUFS metadata from content', () => {
      assert.deepEqual(whiteoutOf('etc/passwd'), { kind: 'none' });
      assert.deepEqual(whiteoutOf('etc/.wh.passwd'), { kind: 'whiteout', path: 'etc/passwd' });
      assert.deepEqual(whiteoutOf('.wh.gone'), { kind: 'whiteout', path: 'gone' });
      assert.deepEqual(whiteoutOf('var/cache/.wh..wh..opq'), { kind: 'opaque', dir: 'var/cache' });
      assert.deepEqual(whiteoutOf('.wh..wh..opq'), { kind: 'opaque', dir: '' });
      assert.deepEqual(whiteoutOf('.wh..wh.plnk'), { kind: 'meta' });
      assert.deepEqual(whiteoutOf('.wh..wh.plnk/123.456'), { kind: 'meta' });
      assert.deepEqual(whiteoutOf('etc/.whx'), { kind: 'none' });
    });
    it('refuses a whiteout of nothing, of "." and of ".."', () => {
      for (const p of ['a/.wh.', 'a/.wh..', 'a/.wh...']) assert.throws(() => whiteoutOf(p), /whiteout of an invalid name/);
    });
  });

  it('parentsOf lists the parents outermost first; isAtOrUnder compares by component', () => {
    assert.deepEqual(parentsOf('a/b/c'), ['a', 'a/b']);
    assert.deepEqual(parentsOf('a'), []);
    assert.ok(isAtOrUnder('a/b', 'a'));
    assert.ok(isAtOrUnder('a', 'a'));
    assert.ok(!isAtOrUnder('ab', 'a'));
    assert.ok(isAtOrUnder('x', ''));
  });
});
