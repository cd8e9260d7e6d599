import type { ValidateFunction } from 'ajv';
import { CniError, CniCode } from './errors';
import validateNetConf from './net-conf.validate.cjs';
import { parseResult } from './result-parse';
import type { NetConf } from './types';
import { dropInvalid } from './tolerant-validation';
import { assertValid } from './validation';
import { DEFAULT_CONFIG_VERSION } from './version';

/**
 * Decodes stdin as one JSON object. NUL bytes are fine inside JSON strings (escaped as `\u0000`); what
 * they mean is for the schema to judge (a network name with one is invalid).
 * @throws {CniError} code 6 `failed to decode config: ...` for empty input, invalid JSON, or a top level
 *   that is not an object
 */
export function decodeConfig(stdin: Buffer | string): Record<string, unknown> {
  const text = typeof stdin === 'string' ? stdin : stdin.toString('utf8');
  if (text.trim() === '') throw new CniError(CniCode.DecodingFailure, 'failed to decode config: stdin is empty');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CniError(CniCode.DecodingFailure, `failed to decode config: ${(err as Error).message}`, { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new CniError(CniCode.DecodingFailure, `failed to decode config: expected a JSON object, got ${kind}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Decodes and validates a plugin's stdin: the keys every config shares (name, type, cniVersion, dns,
 * ipam, prevResult, the GC attachment lists), then the plugin's own compiled schema if given. Then it
 * normalises: a missing or empty `cniVersion` becomes "0.1.0" (libcni's `DecodeVersion`), and
 * `prevResult` is read from the config's version into the current result shape.
 *
 * Plugins call it at the top of each verb with their schema, as the reference plugins call `loadNetConf`.
 * Messages name the JSON path and the value: `invalid config: /ipam/subnet must be string (got 12)`.
 * @throws {CniError} code 6 for undecodable input; 7 (or 2 for a forbidden key) for an invalid config;
 *   1 for a prevResult in an unknown version
 */
export function loadConfig<T extends NetConf = NetConf>(stdin: Buffer | string, validate?: ValidateFunction, opts: LoadConfigOptions = {}): T {
  const conf = decodeConfig(stdin);
  if (opts.tolerant) dropInvalid(validateNetConf, conf, LOCATING_KEYS);
  else assertValid(validateNetConf, conf);
  if (validate) assertValid(validate, conf);
  if (typeof conf.cniVersion !== 'string' || conf.cniVersion === '') conf.cniVersion = DEFAULT_CONFIG_VERSION;
  if (conf.prevResult !== undefined) {
    try {
      conf.prevResult = parseResult(conf.prevResult, conf.cniVersion as string, { pointer: '/prevResult' });
    } catch (err) {
      // DEL must work without prevResult (spec 1.1), so one it cannot read is one it was not given.
      if (!opts.tolerant) throw err;
      delete conf.prevResult;
    }
  }
  return conf as T;
}

/** How loadConfig judges a config. */
export interface LoadConfigOptions {
  /**
   * DEL and GC: only the keys that locate an attachment's state are checked strictly (LOCATING_KEYS);
   * any other shared key that does not validate, and a prevResult that does not parse, are dropped
   * (lib/cni/tolerant-validation).
   */
  tolerant?: boolean;
}

/**
 * The shared keys a cleanup verb cannot do without: the network's name and version, the plugin and
 * IPAM types (where DEL and GC are forwarded), and GC's list of attachments to keep.
 */
export const LOCATING_KEYS: readonly string[] = ['/name', '/cniVersion', '/type', '/ipam/type', '/cni.dev~1valid-attachments', '/cni.dev~1attachments'];
