/**
 * The cells of `berth ps` as Docker's formatter spells them: short ids, the quoted and truncated
 * COMMAND, STATUS ("Up 5 seconds (Paused)", "Exited (137) 2 minutes ago"), CREATED ("5 seconds ago").
 */
import { ZERO_TIME, type ContainerState } from '../../../../lib/runtime/container';
import { humanDuration } from './units';

/** Docker's short id: the first 12 hex digits (`--no-trunc` shows all 64). */
export function shortId(id: string, noTrunc = false): string {
  return noTrunc ? id : id.replace(/^sha256:/, '').slice(0, 12);
}

/** The Docker CLI's `Ellipsis`: at most `max` characters, the last one "…" when cut. */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/** Go's strconv.Quote for the characters a command line holds. */
export function goQuote(text: string): string {
  const escaped = [...text]
    .map((c) => {
      const code = c.codePointAt(0)!;
      if (c === '"' || c === '\\') return `\\${c}`;
      if (c === '\n') return '\\n';
      if (c === '\t') return '\\t';
      if (c === '\r') return '\\r';
      if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
      return c;
    })
    .join('');
  return `"${escaped}"`;
}

/** The COMMAND column: argv joined by spaces, cut at 20 characters unless `noTrunc`, quoted. */
export function commandColumn(argv: readonly string[], noTrunc = false): string {
  const command = argv.join(' ');
  return goQuote(noTrunc ? command : ellipsis(command, 20));
}

const since = (now: Date, when: string): number => now.getTime() - new Date(when).getTime();

/** The STATUS column (Docker's `State.String()`). */
export function statusColumn(state: Pick<ContainerState, 'status' | 'startedAt' | 'finishedAt' | 'exitCode'>, now: Date): string {
  switch (state.status) {
    case 'running':
      return `Up ${humanDuration(since(now, state.startedAt))}`;
    case 'paused':
      return `Up ${humanDuration(since(now, state.startedAt))} (Paused)`;
    case 'restarting':
      return `Restarting (${state.exitCode}) ${humanDuration(since(now, state.finishedAt))} ago`;
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      if (state.startedAt === ZERO_TIME) return 'Created';
      if (state.finishedAt === ZERO_TIME) return '';
      return `Exited (${state.exitCode}) ${humanDuration(since(now, state.finishedAt))} ago`;
  }
}

/** The CREATED column: "5 seconds ago". */
export function createdColumn(created: string, now: Date): string {
  return `${humanDuration(since(now, created))} ago`;
}
