/** Small statistics and formatting helpers shared by the benchmarks. */

/** The p-th percentile (0-100) of `samples`, nearest-rank. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** p50/p95/min of a sample set, in the samples' unit. */
export function summarize(samples: readonly number[]): { p50: number; p95: number; min: number; n: number } {
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), min: Math.min(...samples), n: samples.length };
}

/** One printed row: a label, our figures, the reference's, and the ratio of medians. */
export interface BenchRow {
  name: string;
  unit: string;
  ours: ReturnType<typeof summarize>;
  reference: ReturnType<typeof summarize>;
  referenceName: string;
}

/** Prints rows as an aligned table with ratios (ours / reference: below 1.0 means we are faster). */
export function printRows(title: string, rows: readonly BenchRow[]): void {
  console.log(`\n${title}`);
  const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(4));
  for (const r of rows) {
    console.log(
      `  ${r.name.padEnd(34)} ours p50 ${fmt(r.ours.p50).padStart(8)} p95 ${fmt(r.ours.p95).padStart(8)} ${r.unit}` +
        ` | ${r.referenceName} p50 ${fmt(r.reference.p50).padStart(8)} p95 ${fmt(r.reference.p95).padStart(8)} ${r.unit}` +
        ` | ratio p50 ${(r.ours.p50 / r.reference.p50).toPrecision(3)}x  (n=${r.ours.n})`,
    );
  }
}
