/** Where the running berth executable lives: berth-init and the supervisor's berth are beside it. */
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';

/** The directory of the running berth executable (argv[1], symlinks resolved). */
export function executableDir(): string {
  const self = process.argv[1] ?? '';
  try {
    return dirname(realpathSync(self));
  } catch {
    return dirname(self);
  }
}
