/**
 * Crash-safe replacement of a whole file: write a temp file beside it, fsync, rename over. A reader
 * (or a writer killed at any instant) sees either the old document or the new one, never a torn one.
 */
import fs from 'node:fs';
import path from 'node:path';

let counter = 0;

/** The prefix of our temp files beside `file`: `<name>.tmp-`. */
function tempPrefix(file: string): string {
  return `${path.basename(file)}.tmp-`;
}

/**
 * Replaces `file` with `text` atomically. Call it holding the file's lock: it also removes temp files
 * that writers killed mid-write left behind, which only a lock holder may do (any other temp file
 * present belongs to a dead writer, since writers hold the lock).
 */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = tempPrefix(file);
  for (const name of await fs.promises.readdir(dir)) {
    if (name.startsWith(prefix)) await fs.promises.rm(path.join(dir, name), { force: true });
  }
  counter += 1;
  const tmp = path.join(dir, `${prefix}${process.pid}-${counter}`);
  const handle = await fs.promises.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(text);
    // Without it a power cut after the rename can leave the new name pointing at an empty file.
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}
