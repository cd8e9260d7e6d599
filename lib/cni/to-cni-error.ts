import { CniError, CniCode, isCniError } from './errors';
import { isRetryable } from '../util';

/** One row of the table: which errors it takes, and the CniError it makes of them. */
interface ErrorRule {
  name: string;
  matches(err: unknown, chain: readonly unknown[]): boolean;
  convert(err: unknown, chain: readonly unknown[]): CniError;
}

const MAX_CHAIN = 16;

/**
 * The one place where an error becomes a CNI error, tried top to bottom. Only the dispatcher calls it;
 * lib code throws domain errors (SysError, wrapped errors with a `cause`) and never picks codes for
 * conditions it cannot judge.
 */
const RULES: readonly ErrorRule[] = [
  {
    // "Don't wrap Error in Error" (skel): a deliberate code passes through unchanged.
    name: 'CniError',
    matches: (err) => isCniError(err),
    convert: (err) => err as CniError,
  },
  {
    // Anywhere in the chain: wrapping a held lock in context must not hide that retrying helps.
    name: 'retryable',
    matches: (_err, chain) => chain.some(isRetryable),
    convert: (err, chain) => fromChain(CniCode.TryAgainLater, err, chain),
  },
  {
    // A CniError wrapped in context keeps its code; the message is the outermost one.
    name: 'wrapped CniError',
    matches: (_err, chain) => chain.some(isCniError),
    convert: (err, chain) => fromChain((chain.find(isCniError) as CniError).code, err, chain),
  },
  {
    name: 'SyntaxError',
    matches: (err) => err instanceof SyntaxError,
    convert: (err, chain) =>
      new CniError(CniCode.DecodingFailure, `failed to decode JSON: ${messageOf(err)}`, { details: causeDetails(chain), cause: err }),
  },
  {
    // Best-effort verbs (DEL, GC) collect their failures; one code if they agree, else 999.
    name: 'AggregateError',
    matches: (err) => err instanceof AggregateError,
    convert: (err) => {
      const inner = (err as AggregateError).errors.map(toCniError);
      const codes = new Set(inner.map((e) => e.code));
      const code = codes.size === 1 ? (inner[0] as CniError).code : CniCode.Internal;
      return new CniError(code, (err as AggregateError).message || `${inner.length} errors`, {
        details: inner.map((e) => e.message + (e.details ? `: ${e.details}` : '')).join('; ') || undefined,
        cause: err,
      });
    },
  },
  {
    // SysError (lib/sys) and Node's SystemError share `code` (errno name) and `syscall`.
    name: 'system error',
    matches: (err) => isSystemError(err),
    convert: (err, chain) => {
      const { syscall, code } = err as { syscall: string; code: string };
      const msg = messageOf(err);
      const full = msg.includes(syscall) && msg.includes(code) ? msg : `${syscall}: ${code}: ${msg}`;
      return new CniError(CniCode.Internal, full, { details: causeDetails(chain), cause: err });
    },
  },
  {
    name: 'anything else',
    matches: () => true,
    convert: (err, chain) => fromChain(CniCode.Internal, err, chain),
  },
];

/**
 * Maps any thrown value to the CniError reported on stdout: a CniError as is; an error marked retryable
 * (or EAGAIN) anywhere in its cause chain → 11; a CniError wrapped in context → its code; a SyntaxError
 * → 6; an AggregateError → the shared code of its errors; a system error → 999 naming syscall and errno;
 * anything else → 999. `msg` is the outermost message, `details` the cause chain joined by ": ".
 * Stack traces never reach the reply.
 */
export function toCniError(err: unknown): CniError {
  const chain = causeChain(err);
  for (const rule of RULES) if (rule.matches(err, chain)) return rule.convert(err, chain);
  return fromChain(CniCode.Internal, err, chain); // unreachable: the last rule matches everything
}

/** The names of the table's rows, in order (for tests and docs). */
export const ERROR_RULE_NAMES: readonly string[] = RULES.map((r) => r.name);

function fromChain(code: number, err: unknown, chain: readonly unknown[]): CniError {
  return new CniError(code, messageOf(err) || 'unknown error', { details: causeDetails(chain), cause: err });
}

function causeChain(err: unknown): unknown[] {
  const chain: unknown[] = [err];
  let cur: unknown = err;
  while (chain.length < MAX_CHAIN && typeof cur === 'object' && cur !== null && 'cause' in cur) {
    cur = (cur as { cause: unknown }).cause;
    if (cur === undefined || chain.includes(cur)) break;
    chain.push(cur);
  }
  return chain;
}

function causeDetails(chain: readonly unknown[]): string | undefined {
  const parts = chain.slice(1).map(messageOf).filter((m) => m !== '');
  return parts.length > 0 ? parts.join(': ') : undefined;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

function isSystemError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; syscall?: unknown };
  return typeof e.syscall === 'string' && typeof e.code === 'string' && /^E[A-Z0-9]+$/.test(e.code);
}
