import pino, { type Logger } from 'pino';

/**
 * The process logger: pino writing synchronously to stderr. Stdout belongs to the CNI protocol (results
 * and errors), so nothing else may ever write there; sync because a plugin exits right after its answer
 * and an async destination would drop the last lines. The level comes from BERTH_LOG_LEVEL (default
 * `warn`, so a healthy plugin is silent).
 */
export function createLogger(bindings: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = process.env): Logger {
  const level = env.BERTH_LOG_LEVEL ?? 'warn';
  return pino(
    { level: pino.levels.values[level] === undefined ? 'warn' : level, base: { pid: process.pid, ...bindings } },
    pino.destination({ dest: 2, sync: true }),
  );
}

export type { Logger };
