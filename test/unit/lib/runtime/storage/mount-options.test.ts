import assert from 'node:assert/strict';
import { MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_SHARED, MS_SLAVE } from '../../../../../lib/sys/mount';
import { MS_NOATIME, parseMountOptions } from '../../../../../lib/runtime/storage/mount-options';

describe('lib/runtime/storage/mount-options', () => {
  const cases: Array<[string[], number, number[], string[]]> = [
    [[], 0, [], []],
    [['ro'], MS_RDONLY, [], []],
    [['ro', 'rw'], 0, [], []], // last word wins, as in mount(8)
    [['rw', 'ro'], MS_RDONLY, [], []],
    [['nosuid', 'nodev', 'noexec'], MS_NOSUID | MS_NODEV | MS_NOEXEC, [], []],
    [['nosuid', 'suid'], 0, [], []],
    [['rbind'], MS_BIND | MS_REC, [], []],
    [['bind', 'noatime'], MS_BIND | MS_NOATIME, [], []],
    [['rprivate'], 0, [MS_PRIVATE | MS_REC], []],
    [['shared', 'rslave'], 0, [MS_SHARED, MS_SLAVE | MS_REC], []],
    [['mode=1777', 'nosuid', 'size=65536k'], MS_NOSUID, [], ['mode=1777', 'size=65536k']],
    [['', 'defaults'], 0, [], []],
  ];
  for (const [words, flags, propagation, data] of cases) {
    it(`parses [${words.join(',')}]`, () => {
      assert.deepEqual(parseMountOptions(words), { flags, propagation, data });
    });
  }
});
