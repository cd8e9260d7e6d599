import type { ErrorObject, ValidateFunction } from 'ajv';
import { CniError, CniCode } from './errors';

/** Where a validated document sits, so that messages name the path a user can find in the file. */
export interface ValidationContext {
  /** Message prefix; default `invalid config`. */
  prefix?: string;
  /** JSON pointer of the validated document inside the config (e.g. `/prevResult`); default the root. */
  pointer?: string;
}

const MAX_VALUE_CHARS = 80;

/**
 * Turns the first ajv error into one line naming the field path and the offending value, e.g.
 * `invalid config: /ipam/ranges/0/0/subnet must be string (got 12)`. Paths are JSON pointers (`~1` is
 * a `/` inside a key), relative to the config root when `ctx.pointer` says where `data` came from.
 */
export function validationMessage(
  errors: readonly ErrorObject[] | null | undefined,
  data: unknown,
  ctx: ValidationContext = {},
): string {
  const prefix = ctx.prefix ?? 'invalid config';
  const err = errors?.[0];
  if (!err) return `${prefix}: validation failed`;
  const base = ctx.pointer ?? '';
  const path = base + err.instancePath;
  const got = valueAt(data, err.instancePath);
  const params = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required':
      return `${prefix}: ${path}/${escapePointer(String(params.missingProperty))} is required`;
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const value = (got as Record<string, unknown> | undefined)?.[key];
      return `${prefix}: ${path}/${escapePointer(key)} is not supported (got ${formatValue(value)})`;
    }
    case 'type':
      return `${prefix}: ${display(path)} must be ${String(params.type)} (got ${formatValue(got)})`;
    case 'enum':
      return `${prefix}: ${display(path)} must be one of ${(params.allowedValues as unknown[]).map(formatValue).join(', ')} (got ${formatValue(got)})`;
    default:
      return `${prefix}: ${display(path)} ${err.message ?? 'is invalid'} (got ${formatValue(got)})`;
  }
}

/**
 * The CniError for a failed validation: code 2 for a key the schema forbids (the spec's "unsupported
 * field", whose message must name the key and value), code 7 for everything else.
 */
export function validationError(
  errors: readonly ErrorObject[] | null | undefined,
  data: unknown,
  ctx: ValidationContext & { code?: number } = {},
): CniError {
  const unsupported = errors?.[0]?.keyword === 'additionalProperties';
  const code = ctx.code ?? (unsupported ? CniCode.UnsupportedField : CniCode.InvalidNetworkConfig);
  return new CniError(code, validationMessage(errors, data, ctx));
}

/**
 * Runs a compiled validator and throws its first error as a CniError.
 * @throws {CniError} see validationError
 */
export function assertValid<T>(
  validate: ValidateFunction,
  data: unknown,
  ctx: ValidationContext & { code?: number } = {},
): asserts data is T {
  if (!validate(data)) throw validationError(validate.errors, data, ctx);
}

/**
 * A short, unambiguous rendering of a JSON value for an error message: strings quoted and escaped (a NUL
 * shows as `\u0000`), non-finite numbers by name (JSON.parse turns `1e400` into Infinity, which
 * JSON.stringify would print as `null`), long values cut.
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS - 3)}...` : text;
}

function display(path: string): string {
  return path === '' ? '(root)' : path;
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function valueAt(data: unknown, pointer: string): unknown {
  if (pointer === '') return data;
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    if (typeof node !== 'object' || node === null) return undefined;
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}
