import assert from 'node:assert/strict';
import { matchImage, planRemoval } from '../../../../../lib/runtime/image/image-match';

describe('lib/runtime/image/image-match', () => {
  const A = `abcd1111${'0'.repeat(56)}`;
  const B = `abcd2222${'0'.repeat(56)}`;
  const C = `c0ffee${'1'.repeat(58)}`;
  const ids = [A, B, C];
  const repos = { 'busybox:latest': A, 'busybox:1': A, 'app:latest': B, 'c0ffee:latest': B };

  describe('matchImage', () => {
    const found: [string, { id: string; tag?: string }][] = [
      ['busybox', { id: A, tag: 'busybox:latest' }],
      ['busybox:1', { id: A, tag: 'busybox:1' }],
      [A, { id: A }],
      [`sha256:${B}`, { id: B }],
      ['sha256:abcd2', { id: B }],
      ['abcd1', { id: A }],
      // A name wins over an id prefix that spells the same (Docker resolves references first).
      ['c0ffee', { id: B, tag: 'c0ffee:latest' }],
      ['c0ffee1', { id: C }],
    ];
    for (const [ref, want] of found) {
      it(`resolves ${ref.length > 20 ? `${ref.slice(0, 20)}...` : ref}`, () => assert.deepEqual(matchImage(ref, repos, ids), want));
    }

    const missing: [string, string, string][] = [
      ['nope', 'No such image: nope:latest', 'not-found'],
      ['busybox:2', 'No such image: busybox:2', 'not-found'],
      ['abc', 'No such image: abc:latest', 'not-found'], // too short for a prefix
      ['abcd', 'multiple IDs found with provided prefix: abcd', 'conflict'],
      ['sha256:abcd', 'multiple IDs found with provided prefix: abcd', 'conflict'],
      ['sha256:zz', 'No such image: sha256:zz', 'not-found'],
      ['f'.repeat(64), `No such image: ${'f'.repeat(64)}`, 'not-found'],
      ['Bad:ref', 'Error parsing reference: "Bad:ref" is not a valid repository/tag: invalid reference format: repository name (Bad) must be lowercase', 'invalid'],
    ];
    for (const [ref, message, kind] of missing) {
      it(`refuses ${ref.length > 20 ? `${ref.slice(0, 20)}...` : ref} (${kind})`, () => {
        assert.throws(() => matchImage(ref, repos, ids), { name: 'ImageError', kind, message });
      });
    }

    it('ignores a tag whose image is gone', () => {
      assert.throws(() => matchImage('app', { 'app:latest': C }, [A]), { kind: 'not-found', message: 'No such image: app:latest' });
    });
  });

  describe('planRemoval (docker rmi)', () => {
    const user = 'f'.repeat(64);
    const deleted = (id: string): string => `Deleted: sha256:${id}`;

    it('untags only, when the image has other tags (even in use)', () => {
      const plan = planRemoval('busybox', { id: A, tag: 'busybox:latest' }, repos, false, [user]);
      assert.deepEqual(plan, { untag: ['busybox:latest'], deleteImage: false, lines: ['Untagged: busybox:latest'] });
    });

    it('untags and deletes with the last tag', () => {
      const plan = planRemoval('app', { id: B, tag: 'app:latest' }, { 'app:latest': B }, false, []);
      assert.deepEqual(plan.lines, ['Untagged: app:latest', deleted(B)]);
      assert.equal(plan.deleteImage, true);
    });

    it("refuses the last tag of an image in use, with Docker's message", () => {
      assert.throws(() => planRemoval('app', { id: B, tag: 'app:latest' }, { 'app:latest': B }, false, [user, 'e'.repeat(64)]), {
        kind: 'conflict',
        message: `conflict: unable to remove repository reference "app" (must force) - container ffffffffffff is using its referenced image ${B.slice(0, 12)}`,
      });
    });

    it('with force, untags the last tag of an image in use but keeps its files', () => {
      const plan = planRemoval('app', { id: B, tag: 'app:latest' }, { 'app:latest': B }, true, [user]);
      assert.deepEqual(plan, { untag: ['app:latest'], deleteImage: false, lines: ['Untagged: app:latest'] });
    });

    it('by id: removes a dangling or single-tag image with its tag', () => {
      assert.deepEqual(planRemoval(C, { id: C }, repos, false, []).lines, [deleted(C)]);
      assert.deepEqual(planRemoval('abcd2', { id: B }, { 'app:latest': B }, false, []).lines, ['Untagged: app:latest', deleted(B)]);
    });

    it('by id: needs force for an image with several tags', () => {
      assert.throws(() => planRemoval('abcd1', { id: A }, repos, false, []), {
        kind: 'conflict',
        message: `conflict: unable to delete ${A.slice(0, 12)} (must be forced) - image is referenced in multiple repositories`,
      });
      assert.deepEqual(planRemoval('abcd1', { id: A }, repos, true, []).lines, ['Untagged: busybox:1', 'Untagged: busybox:latest', deleted(A)]);
    });

    it('by id: never deletes an image in use, force or not', () => {
      for (const force of [false, true]) {
        assert.throws(() => planRemoval(C, { id: C }, repos, force, [user]), {
          kind: 'conflict',
          message: `conflict: unable to delete ${C.slice(0, 12)} (cannot be forced) - image is being used by container ffffffffffff`,
        });
      }
    });
  });
});
