/** The size of a layer directory, as docker reports a layer's: its regular files' bytes, each inode once. */
import fs from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { ImageError, errCode } from '../image-error';

const SLASH = Buffer.from('/');
/** Entries lstat'ed between two turns of the event loop: the walk is synchronous for speed, in slices. */
const SLICE = 512;

/** Sum of the sizes of the regular files under `dir`, a hard-linked file counted once (as du does). */
export async function layerSize(dir: string): Promise<number> {
  const seen = new Set<string>();
  let size = 0;
  let visited = 0;
  // Buffer paths: a layer's names need not be UTF-8.
  const pending: Buffer[] = [Buffer.from(dir)];
  try {
    for (let at = pending.pop(); at !== undefined; at = pending.pop()) {
      for (const name of fs.readdirSync(at, { encoding: 'buffer' })) {
        const child = Buffer.concat([at, SLASH, name]);
        const st = fs.lstatSync(child, { bigint: true });
        if (st.isDirectory()) {
          pending.push(child);
        } else if (st.isFile()) {
          const inode = `${st.dev}:${st.ino}`;
          if (!seen.has(inode)) size += Number(st.size);
          seen.add(inode);
        }
        if (++visited % SLICE === 0) await yieldToLoop();
      }
    }
  } catch (err) {
    throw new ImageError(`measuring layer ${dir}: ${(err as Error).message}`, errCode(err) === 'ENOENT' ? 'not-found' : 'io', { cause: err });
  }
  return size;
}
