import { CniError, CniCode } from './errors';

/**
 * Parses CNI_ARGS (`K=V;K2=V2`) into a map, keys case-sensitive as the reference matches them to Go
 * field names; a repeated key keeps its last value.
 *
 * Two leniencies over libcni's `LoadArgs`: a pair splits on its first `=` (so a value may contain `=`,
 * e.g. base64), and empty pairs (`A=1;;B=2`, a trailing `;`) are skipped. Errors use code 4, not the
 * reference's uncategorised 999, because CNI_ARGS is an environment variable and code 4 is the spec's
 * "invalid environment variables", whose message must name the variable.
 * @throws {CniError} code 4 `CNI_ARGS: invalid pair "x"` for a pair without `=` or with an empty key
 */
export function parseCniArgs(raw: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of raw.split(';')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CniError(CniCode.InvalidEnvironmentVariables, `CNI_ARGS: invalid pair ${JSON.stringify(pair)}`);
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

/**
 * Picks the keys a plugin understands from CNI_ARGS. Any other key is an error unless
 * `IgnoreUnknown` is 1 or true (case-insensitive), which kubelet always sends along with its
 * `K8S_POD_*` keys. `IgnoreUnknown` itself is always understood.
 * @throws {CniError} code 4 `CNI_ARGS: unknown args ["X=1"]` (the pairs, as the reference lists them),
 *   or for an `IgnoreUnknown` that is not a boolean
 */
export function pickCniArgs<K extends string>(raw: string, known: readonly K[]): Partial<Record<K, string>> {
  const args = parseCniArgs(raw);
  const ignore = ignoreUnknown(args.get('IgnoreUnknown'));
  const out: Partial<Record<K, string>> = {};
  const unknown: string[] = [];
  for (const [key, value] of args) {
    if ((known as readonly string[]).includes(key)) out[key as K] = value;
    else if (key !== 'IgnoreUnknown') unknown.push(`${key}=${value}`);
  }
  if (unknown.length > 0 && !ignore) {
    throw new CniError(CniCode.InvalidEnvironmentVariables, `CNI_ARGS: unknown args ${JSON.stringify(unknown)}`);
  }
  return out;
}

function ignoreUnknown(value: string | undefined): boolean {
  if (value === undefined) return false;
  // The reference's UnmarshallableBool: 1/true/0/false in any case, anything else is an error.
  switch (value.toLowerCase()) {
    case '1':
    case 'true':
      return true;
    case '0':
    case 'false':
      return false;
    default:
      throw new CniError(CniCode.InvalidEnvironmentVariables, `CNI_ARGS: IgnoreUnknown must be 1, 0, true or false (got ${JSON.stringify(value)})`);
  }
}
