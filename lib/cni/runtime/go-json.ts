/**
 * JSON as Go's encoding/json writes it, for files that Go tools read and compare byte for byte with
 * their own (libcni's result cache): compact, map keys sorted, and `<`, `>`, `&`, U+2028 and U+2029
 * escaped as \u003c, \u003e, \u0026, \u2028 and \u2029 (Go's default HTML-safe escaping).
 */

/** Serialises `value` with every object's keys sorted, as Go marshals a `map[string]interface{}`. */
export function marshalSortedGo(value: unknown): string {
  return escapeLikeGo(JSON.stringify(sortKeys(value)));
}

/**
 * Serialises `value` keeping its key order (a Go struct's field order), escaping like Go. Values under
 * the keys named in `maps` are map-typed in Go, so their keys are sorted.
 */
export function marshalStructGo(value: Record<string, unknown>, maps: readonly string[] = []): string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maps.includes(k) ? sortKeys(v) : v;
  return escapeLikeGo(JSON.stringify(out));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = sortKeys(v);
  }
  return out;
}

/** These characters appear only inside strings in JSON text, so replacing them there is safe. */
function escapeLikeGo(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
