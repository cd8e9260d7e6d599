import fs from 'node:fs';

/**
 * True when the executable at `file` is berth's own build of plugin `name`: scripts/build.mjs writes
 * `// berth-plugin <name>` as the executable's second line. A plugin uses this to run a delegate in-process
 * (same code, same store and lock) instead of paying a second process start, and only when the
 * delegate that CNI_PATH would exec really is ours, so a swapped-in reference binary is still exec'd.
 */
export function isBerthPlugin(file: string, name: string): boolean {
  const expected = `#!/usr/bin/env node\n// berth-plugin ${name}\n`;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(expected.length);
    const n = fs.readSync(fd, head, 0, head.length, 0);
    return n === head.length && head.toString('utf8') === expected;
  } finally {
    fs.closeSync(fd);
  }
}
