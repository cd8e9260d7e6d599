/**
 * Validation for the verbs that clean up (DEL, GC). The spec asks DEL to succeed "to the fullest
 * extent possible" even when things are invalid: a config ADD refuses (an MTU the kernel rejects, a
 * bad IPAM range, an unknown macvlan mode) made nothing, or made what DEL must still remove. So these
 * verbs check strictly only the keys that locate an attachment's state (the network name, the IPAM
 * type, a data directory, ...) and treat every other value that does not validate as absent.
 */
import type { ValidateFunction } from 'ajv';
import { validationError, type ValidationContext } from './validation';

/** Enough for any config: every round removes one key. */
const MAX_ROUNDS = 64;

/**
 * Validates `data` with `validate`; each failure outside the `locating` keys (JSON pointers such as
 * `/ipam/dataDir`) removes the smallest enclosing key that holds no locating key, and validation runs
 * again. Returns the pointers removed, for the log.
 * @throws {CniError} code 7 (or 2) for a failure at a locating key, or one that removing cannot fix
 */
export function dropInvalid(
  validate: ValidateFunction,
  data: Record<string, unknown>,
  locating: readonly string[],
  ctx: ValidationContext = {},
): string[] {
  const dropped: string[] = [];
  const keep = locating.map(segments);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (validate(data)) return dropped;
    const err = validate.errors?.[0];
    const target = segments(err?.instancePath ?? '');
    if (err?.keyword === 'required') target.push(String((err.params as { missingProperty: unknown }).missingProperty));
    const cut = droppablePrefix(target, keep);
    if (cut === undefined || !removeAt(data, cut)) throw validationError(validate.errors, data, ctx);
    dropped.push(`/${cut.join('/')}`);
  }
  throw validationError(validate.errors, data, ctx);
}

/** The shortest prefix of `target` that contains no locating key (and is not inside one). */
function droppablePrefix(target: readonly string[], keep: readonly string[][]): string[] | undefined {
  for (let n = 1; n <= target.length; n++) {
    const prefix = target.slice(0, n);
    const touches = keep.some((k) => startsWith(k, prefix) || startsWith(prefix, k));
    if (!touches) return prefix;
  }
  return undefined;
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => path[i] === s);
}

/** Deletes the key at `path`; false when it is not there (nothing to remove). */
function removeAt(data: Record<string, unknown>, path: readonly string[]): boolean {
  let node: unknown = data;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return false;
    node = (node as Record<string, unknown>)[key];
  }
  const last = path[path.length - 1]!;
  if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, last)) return false;
  delete (node as Record<string, unknown>)[last];
  return true;
}

/** A JSON pointer's unescaped segments (`~1` is `/`, `~0` is `~`). */
function segments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
