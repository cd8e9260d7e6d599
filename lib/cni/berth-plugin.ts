import fs from 'node:fs';

/** The tail read for the no-Node form's plugin list: the list is one short line. */
const TRAILER_BYTES = 4096;

/**
 * True when the executable at `file` is berth's own build of plugin `name`, found without executing it:
 * - the Node form (scripts/build.mjs) has `// berth-plugin <name>` as its second line;
 * - the no-Node form (scripts/release.mjs, one multi-call ELF binary whose hard links are the plugins)
 *   ends with the line `berth-plugins <name> <name>...`, after the ELF image, where nothing maps it.
 * A plugin uses this to run a delegate in-process (same code, same store and lock) instead of paying a
 * second process start, and only when the delegate that CNI_PATH would exec really is ours, so a
 * swapped-in reference binary is still exec'd.
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
    if (n === head.length && head.toString('utf8') === expected) return true;
    return n >= 4 && head.subarray(0, 4).toString('latin1') === '\x7fELF' && trailerNames(fd).includes(name);
  } finally {
    fs.closeSync(fd);
  }
}

function trailerNames(fd: number): string[] {
  const size = fs.fstatSync(fd).size;
  const tail = Buffer.alloc(Math.min(TRAILER_BYTES, size));
  const n = fs.readSync(fd, tail, 0, tail.length, size - tail.length);
  const text = tail.subarray(0, n).toString('latin1');
  const marker = '\nberth-plugins ';
  const at = text.lastIndexOf(marker);
  if (at < 0 || !text.endsWith('\n')) return [];
  const line = text.slice(at + marker.length, -1);
  return line.includes('\n') ? [] : line.split(' ');
}
