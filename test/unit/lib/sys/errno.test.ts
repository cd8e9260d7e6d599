import assert from 'node:assert/strict';
import { SysError, errnoName, hasErrno, ERRNO } from '../../../../lib/sys';

describe('lib/sys/errno', () => {
  it('names errno values as the uapi does', () => {
    assert.equal(errnoName(17), 'EEXIST');
    assert.equal(errnoName(2), 'ENOENT');
    assert.equal(errnoName(95), 'EOPNOTSUPP');
    assert.equal(errnoName(100000), 'E100000');
    assert.equal(ERRNO.ENODEV, 19);
  });

  it('builds errors that carry the errno, its name, the syscall and the context', () => {
    const err = new SysError('mount', 16, 'none on /mnt');
    assert.equal(err.code, 'EBUSY');
    assert.equal(err.errno, 16);
    assert.equal(err.syscall, 'mount');
    assert.equal(err.context, 'none on /mnt');
    assert.equal(err.message, 'mount none on /mnt: EBUSY (device or resource busy)');
    assert.ok(hasErrno(err, 'EBUSY'));
    assert.ok(!hasErrno(err, 'EEXIST'));
  });
});
