import assert from 'node:assert/strict';
import { compressionFlag } from '../../../../../lib/runtime/image/rootfs-import';

describe('lib/runtime/image/rootfs-import', () => {
  const table: [string, number[], string | undefined][] = [
    ['gzip', [0x1f, 0x8b, 0x08, 0, 0, 0], '--gzip'],
    ['bzip2', [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41], '--bzip2'],
    ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], '--xz'],
    ['zstd', [0x28, 0xb5, 0x2f, 0xfd, 0, 0], '--zstd'],
    ['lzip', [0x4c, 0x5a, 0x49, 0x50, 1, 0], '--lzip'],
    ['compress', [0x1f, 0x9d, 0x90, 0, 0, 0], '--compress'],
    ['plain tar (a member name)', [0x62, 0x69, 0x6e, 0x2f, 0, 0], undefined],
    ['a truncated xz magic', [0xfd, 0x37, 0x7a], undefined],
    ['nothing', [], undefined],
  ];
  for (const [what, bytes, flag] of table) {
    it(`recognises ${what}`, () => assert.equal(compressionFlag(Uint8Array.from(bytes)), flag));
  }
});
