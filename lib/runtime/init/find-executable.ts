/**
 * execvp's lookup, done before execve so a missing command gets Docker's message and exit code
 * (127 not found, 126 not executable) instead of a bare ENOENT.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { posix } from 'node:path';

/** The PATH Docker gives a container whose image sets none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Why a command cannot run; `code` picks Docker's exit status. */
export class ExecutableError extends Error {
  readonly code: 'ENOENT' | 'EACCES';
  constructor(message: string, code: ExecutableError['code']) {
    super(message);
    this.name = 'ExecutableError';
    this.code = code;
  }
}

const isExecutableFile = (path: string): boolean => {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/**
 * The path to execve for `name`: as given when it contains a slash, else the first executable
 * match in the container's PATH.
 * @throws ExecutableError with runc's wording.
 */
export function findExecutable(name: string, env: readonly string[], cwd: string): string {
  if (name === '') throw new ExecutableError('exec: "": executable file not found in $PATH', 'ENOENT');
  if (name.includes('/')) {
    const path = posix.resolve(cwd, name);
    if (statSync(path, { throwIfNoEntry: false }) === undefined) throw new ExecutableError(`exec: "${name}": stat ${name}: no such file or directory`, 'ENOENT');
    if (!isExecutableFile(path)) throw new ExecutableError(`exec: "${name}": permission denied`, 'EACCES');
    return path;
  }
  const pathVar = env.find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  for (const dir of pathVar.split(':')) {
    const candidate = posix.join(posix.resolve(cwd, dir || '.'), name);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new ExecutableError(`exec: "${name}": executable file not found in $PATH`, 'ENOENT');
}
