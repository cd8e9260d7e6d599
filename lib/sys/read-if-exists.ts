import fs from 'node:fs';

/**
 * The text of `file`, or undefined when there is no such file: ENOENT, or ENOTDIR (a file where a
 * directory of the path belongs, so nothing can be under it either).
 * @throws any other read error (EACCES, EISDIR, EIO, ...)
 */
export function readTextIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}
