/**
 * CNI error codes. 0-99 are the spec's; 8 and 999 come from libcni's types.go; 100 and above are
 * plugin-specific and documented in each plugin's README.
 * @see https://github.com/containernetworking/cni/blob/main/SPEC.md#error
 */
export const CniCode = {
  Unknown: 0,
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironmentVariables: 4,
  IoFailure: 5,
  DecodingFailure: 6,
  InvalidNetworkConfig: 7,
  InvalidNetNS: 8,
  TryAgainLater: 11,
  PluginNotAvailable: 50,
  LimitedConnectivity: 51,
  Internal: 999,
} as const;
export type CniCode = (typeof CniCode)[keyof typeof CniCode] | number;

const kCniError = Symbol.for('berth.CniError');

/** An error as the CNI protocol reports it: a code, a message and optional details. */
export class CniError extends Error {
  readonly code: CniCode;
  readonly details: string | undefined;

  constructor(code: CniCode, msg: string, opts: { details?: string; cause?: unknown } = {}) {
    super(msg, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CniError';
    this.code = code;
    this.details = opts.details;
  }

  /** Brand that survives two copies of this module (e.g. a test importing both source and bundle). */
  get [kCniError](): true {
    return true;
  }

  /** The spec's error object, tagged with the version the reply is written in. */
  toJSONFor(cniVersion: string): CniErrorJson {
    return { cniVersion, code: this.code, msg: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

/** The error object written to stdout. */
export interface CniErrorJson {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

/** True for a CniError from any copy of this module. */
export function isCniError(err: unknown): err is CniError {
  return typeof err === 'object' && err !== null && (err as Record<symbol, unknown>)[kCniError] === true;
}
