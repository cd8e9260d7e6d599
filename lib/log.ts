import type { Logger as PinoLogger } from 'pino';

/** Log levels, lowest first, as pino numbers them. */
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;
type Level = keyof typeof LEVELS;
type LogFn = (objOrMsg: object | string, msg?: string) => void;

/** The logging surface lib code uses: pino's call shape, with child bindings. */
export interface Logger {
  readonly level: Level;
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

/**
 * The process logger: pino writing synchronously to stderr. Stdout belongs to the CNI protocol (results
 * and errors), so nothing else may write there; sync because a plugin exits right after its answer and
 * an async destination would drop the last lines. The level comes from BERTH_LOG_LEVEL (default `warn`,
 * so a healthy plugin is silent).
 *
 * pino itself is loaded on the first line actually written: requiring it costs ~18 ms of a plugin's
 * ~60 ms start-up, which every ADD would pay for nothing at the default level.
 */
export function createLogger(bindings: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): Logger {
  const wanted = env.BERTH_LOG_LEVEL ?? 'warn';
  const level: Level = wanted in LEVELS ? (wanted as Level) : 'warn';
  let pino: PinoLogger | undefined;
  const real = (): PinoLogger => {
    if (!pino) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const factory = require('pino') as typeof import('pino');
      pino = factory.pino({ level, base: { pid: process.pid } }, factory.pino.destination({ dest: 2, sync: true }));
    }
    return pino;
  };
  return facade(level, bindings, real);
}

function facade(level: Level, bindings: Record<string, unknown>, real: () => PinoLogger): Logger {
  let bound: PinoLogger | undefined;
  const target = () => (bound ??= real().child(bindings));
  const at = (name: Exclude<Level, 'silent'>): LogFn => {
    if (LEVELS[name] < LEVELS[level]) return () => {};
    return (objOrMsg, msg) => {
      if (typeof objOrMsg === 'string') target()[name](objOrMsg);
      else target()[name](objOrMsg, msg);
    };
  };
  return {
    level,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
    child: (more) => facade(level, { ...bindings, ...more }, real),
  };
}
