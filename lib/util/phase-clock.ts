/**
 * Where one plugin exec spends its time, for bench/ (issue: every exec faster than the reference's).
 * With BERTH_PHASES=1 in the environment, the time spent in each named phase is summed and printed to
 * stderr at exit as one line `{"berthPhases":{...}}` (ms), next to the process's own landmarks: when
 * the loader started (`node`: exec to our first line, Node's own start-up) and when the bundle was
 * loaded (`load`). Off (the default), a phase is one boolean check around the call, so the plugins
 * carry it always and the figures come from the very executables that ship.
 *
 * Phases may overlap (the IPAM runs while the links are made): each is the wall time of its own span.
 */

/** Set by the single-file loader (scripts/templates/loader.cjs) before it compiles the bundle, in ms of uptime. */
const LOADER_START = Symbol.for('berth.loaderStart');

const enabled = process.env.BERTH_PHASES === '1';
const spent = new Map<string, number>();
let loaded: number | undefined;

/** Milliseconds since the process started (uptime's origin is the one the loader's landmark uses). */
const now = (): number => process.uptime() * 1000;

/**
 * Runs `fn` as (part of) phase `name`: its time, sync or until its promise settles, is added to the
 * phase's total. Failures pass through unchanged.
 */
export function phase<T>(name: string, fn: () => T): T {
  if (!enabled) return fn();
  const start = now();
  const add = (): void => {
    spent.set(name, (spent.get(name) ?? 0) + now() - start);
  };
  let out: T;
  try {
    out = fn();
  } catch (err) {
    add();
    throw err;
  }
  if (out instanceof Promise) {
    return out.finally(add) as T;
  }
  add();
  return out;
}

/** Marks the end of module loading: called once, by the dispatcher's first line. */
export function markLoaded(): void {
  if (!enabled || loaded !== undefined) return;
  loaded = now();
  process.once('exit', report);
}

/** The figures as printed: landmarks since the process's time origin, then each phase's total. */
function phaseReport(): Record<string, number> {
  const loaderStart = (globalThis as Record<symbol, unknown>)[LOADER_START];
  const out: Record<string, number> = {};
  if (typeof loaderStart === 'number') {
    out.node = loaderStart;
    if (loaded !== undefined) out.load = loaded - loaderStart;
  }
  for (const [name, ms] of spent) out[name] = ms;
  out.end = now();
  for (const k of Object.keys(out)) out[k] = Math.round(out[k]! * 100) / 100;
  return out;
}

function report(): void {
  // A pipe on stderr is written synchronously on Linux, so the line is out before the process is.
  process.stderr.write(`${JSON.stringify({ berthPhases: phaseReport() })}\n`);
}
