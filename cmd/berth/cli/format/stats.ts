/**
 * `docker stats --no-stream` from numbers: the same columns, units and precision as the Docker CLI
 * (binary units for memory, decimal with 3 significant digits for network and block I/O).
 */
import { shortId } from './container-columns';
import { renderFormat } from './template';
import { bytesSize, humanSize } from './units';

/** One container's figures, already reduced to totals and a CPU share. */
export interface StatsSample {
  readonly id: string;
  readonly name: string;
  /** CPU use in percent of one CPU times the number of CPUs (Docker's CPUPerc). */
  readonly cpuPercent: number;
  readonly memUsage: number;
  readonly memLimit: number;
  readonly netRx: number;
  readonly netTx: number;
  readonly blockRead: number;
  readonly blockWrite: number;
  readonly pids: number;
}

/** The default table: Docker's `defaultStatsTableFormat`. */
export const STATS_TABLE =
  'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';

/** Column titles of every stats field. */
export const STATS_HEADERS: Readonly<Record<string, string>> = {
  ID: 'CONTAINER ID', Container: 'CONTAINER', Name: 'NAME', CPUPerc: 'CPU %', MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %', NetIO: 'NET I/O', BlockIO: 'BLOCK I/O', PIDs: 'PIDS',
};

const percent = (v: number): string => `${(Number.isFinite(v) ? v : 0).toFixed(2)}%`;

/** The template fields of one sample, as Docker's stats formatter prints them. */
export function statsFields(s: StatsSample, noTrunc = false): Record<string, string> {
  return {
    ID: shortId(s.id, noTrunc),
    Container: s.name,
    Name: s.name,
    CPUPerc: percent(s.cpuPercent),
    MemUsage: `${bytesSize(s.memUsage)} / ${bytesSize(s.memLimit)}`,
    MemPerc: percent(s.memLimit > 0 ? (s.memUsage / s.memLimit) * 100 : 0),
    NetIO: `${humanSize(s.netRx, 3)} / ${humanSize(s.netTx, 3)}`,
    BlockIO: `${humanSize(s.blockRead, 3)} / ${humanSize(s.blockWrite, 3)}`,
    PIDs: String(s.pids),
  };
}

/** `berth stats --no-stream [--format F] [--no-trunc]` output. */
export function formatStats(samples: readonly StatsSample[], opts: { format?: string; noTrunc?: boolean } = {}): string {
  const rows = samples.map((s) => ({ fields: statsFields(s, opts.noTrunc) }));
  return renderFormat(opts.format, STATS_TABLE, rows, STATS_HEADERS);
}
