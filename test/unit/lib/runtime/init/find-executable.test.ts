import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExecutableError, findExecutable } from '../../../../../lib/runtime/init/find-executable';

describe('lib/runtime/init/find-executable', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-fe-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'sbin'));
    writeFileSync(join(dir, 'bin/tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'bin/tool'), 0o755);
    writeFileSync(join(dir, 'sbin/tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'sbin/tool'), 0o755);
    writeFileSync(join(dir, 'bin/plain'), 'data');
    chmodSync(join(dir, 'bin/plain'), 0o644);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('searches PATH in order', () => {
    assert.equal(findExecutable('tool', [`PATH=${dir}/sbin:${dir}/bin`], '/'), join(dir, 'sbin/tool'));
    assert.equal(findExecutable('tool', [`PATH=${dir}/bin:${dir}/sbin`], '/'), join(dir, 'bin/tool'));
  });
  it('takes a path with a slash as given, relative to the working directory', () => {
    assert.equal(findExecutable('./bin/tool', [], dir), join(dir, 'bin/tool'));
  });
  it("gives runc's messages and the code Docker maps to 127 / 126", () => {
    assert.throws(() => findExecutable('nope', [`PATH=${dir}/bin`], '/'), (e: unknown) =>
      e instanceof ExecutableError && e.code === 'ENOENT' && e.message === 'exec: "nope": executable file not found in $PATH');
    assert.throws(() => findExecutable(join(dir, 'bin/plain'), [], '/'), (e: unknown) => e instanceof ExecutableError && e.code === 'EACCES');
    assert.throws(() => findExecutable(join(dir, 'missing'), [], '/'), (e: unknown) => e instanceof ExecutableError && e.code === 'ENOENT');
    assert.throws(() => findExecutable('', [], '/'), /executable file not found/);
  });
  it('skips non-executable matches in PATH', () => {
    assert.throws(() => findExecutable('plain', [`PATH=${dir}/bin`], '/'), /not found in \$PATH/);
  });
});
