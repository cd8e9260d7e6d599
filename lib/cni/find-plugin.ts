import fs from 'node:fs';
import path from 'node:path';
import { CniError, CniCode } from './errors';

/**
 * Finds a plugin executable the way libcni's `FindInPath` does: the first directory of `paths` holding
 * a regular file named `type` wins. We also require it to be executable, so that a stray non-executable
 * copy earlier in CNI_PATH does not shadow a working one.
 *
 * Codes: a bad or unknown type is code 7. The type comes from the network config (`ipam.type`), so
 * that is where a typo or a missing installation is reported; the reference returns an uncategorised
 * error (999). An empty path list is code 4: it is CNI_PATH that is missing.
 * @throws {CniError} 7 `failed to find plugin "x" in path [/a /b]`, 7 for an empty name or one with
 *   `/`, 4 for no paths
 */
export function findPlugin(type: string, paths: readonly string[]): string {
  if (type === '') throw new CniError(CniCode.InvalidNetworkConfig, 'no plugin name provided');
  if (type.includes('/') || type.includes('\0') || type === '.' || type === '..') {
    throw new CniError(CniCode.InvalidNetworkConfig, `invalid plugin name ${JSON.stringify(type)}: a plugin type is a file name, not a path`);
  }
  if (paths.length === 0) {
    throw new CniError(CniCode.InvalidEnvironmentVariables, `no paths provided: CNI_PATH is empty, cannot find plugin ${JSON.stringify(type)}`);
  }
  const notExecutable: string[] = [];
  for (const dir of paths) {
    const candidate = path.join(dir, type);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(candidate);
    } catch {
      continue;
    }
    if (!stat.isFile()) continue;
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      notExecutable.push(candidate);
    }
  }
  throw new CniError(CniCode.InvalidNetworkConfig, `failed to find plugin ${JSON.stringify(type)} in path [${paths.join(' ')}]`, {
    ...(notExecutable.length > 0 ? { details: `not executable: ${notExecutable.join(', ')}` } : {}),
  });
}
