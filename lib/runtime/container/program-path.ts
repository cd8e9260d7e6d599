/**
 * Host programs berth runs (util-linux's nsenter and unshare, for user namespaces), looked up in
 * our PATH once: the init is spawned with an empty environment, where no PATH would find them.
 */
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

const found = new Map<string, string>();

/**
 * The absolute path of `name` in PATH (then /usr/bin, /bin).
 * @throws Error naming the program and its Debian package when it is missing.
 */
export function programPath(name: string): string {
  const known = found.get(name);
  if (known !== undefined) return known;
  const dirs = [...(process.env.PATH ?? '').split(':').filter((d) => d !== ''), '/usr/bin', '/bin'];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      found.set(name, path);
      return path;
    } catch { /* next */ }
  }
  throw new Error(`${name} not found in PATH (Debian package util-linux)`);
}
