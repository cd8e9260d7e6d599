// The performance targets (issue 15) as one table at the end of `npm run bench`: each target's figure,
// the reference's beside it, the ratio, the goal and whether it is met. The figures are the rows the
// parts printed above, found by their part's title and their own name; a part that did not run (quick
// mode skips the 1,000-attachment run) shows as not measured. Figures only: nothing here fails.
import type { BenchRow } from './stats';

interface Collected { title: string; row: BenchRow }

interface Target {
  label: string;
  /** The part: its exact title, or a pattern for the long runtime titles. */
  title: string | RegExp;
  /** A substring of the row's name; for a growth target, the baseline row's exact name. */
  row: string;
  /** Growth targets compare our row with another of ours (the 1st attachment), not with the reference. */
  baselineRow?: string;
  goal: number;
}

const TARGETS: readonly Target[] = [
  { label: 'bridge ADD p50, ipMasq', title: 'bridge, ADD/DEL latency, ipMasq', row: 'ADD with ipMasq', goal: 0.8 },
  { label: 'bridge DEL p50, ipMasq', title: 'bridge, ADD/DEL latency, ipMasq', row: 'DEL with ipMasq', goal: 0.8 },
  { label: 'bridge ADD p50, no ipMasq', title: 'bridge, ADD/DEL latency', row: 'ADD no ipMasq', goal: 1.3 },
  { label: 'bridge DEL p50, no ipMasq', title: 'bridge, ADD/DEL latency', row: 'DEL no ipMasq', goal: 1.3 },
  { label: 'macvlan ADD p50', title: 'macvlan ADD/DEL', row: 'ADD L3', goal: 1.3 },
  { label: 'macvlan DEL p50', title: 'macvlan ADD/DEL', row: 'DEL L3', goal: 1.3 },
  { label: 'ADD at the Nth attachment / 1st (ours)', title: 'bridge, 1st vs Nth attachment', row: 'ADD at attachments', baselineRow: 'ADD at attachments 1-5', goal: 1.1 },
  { label: '8-way storm, ADD wall', title: 'bridge, storm', row: 'ADD wall', goal: 1.0 },
  { label: '8-way storm, DEL wall', title: 'bridge, storm', row: 'DEL wall', goal: 1.0 },
  { label: 'berth run --rm, --network none vs runc', title: /--network none/, row: 'berth run vs runc run', goal: 2.0 },
  { label: 'berth run --rm, bridge vs runc + ref CNI', title: /default bridge/, row: 'berth run bridge vs runc + ref CNI', goal: 1.5 },
];

/** Keeps every printed row with its part's title. */
export class TargetBoard {
  readonly #rows: Collected[] = [];

  collect(title: string, rows: readonly BenchRow[]): void {
    for (const row of rows) this.#rows.push({ title, row });
  }

  print(): void {
    console.log('\nTargets (issue 15): ours, the reference, ratio of p50s (growth: ours Nth / ours 1st), goal');
    for (const t of TARGETS) {
      const inPart = this.#rows.filter((c) => (typeof t.title === 'string' ? c.title === t.title : t.title.test(c.title)));
      const ours = inPart.find((c) => c.row.name.includes(t.row) && c.row.name !== t.baselineRow)?.row;
      const base = t.baselineRow === undefined ? undefined : inPart.find((c) => c.row.name === t.baselineRow)?.row;
      const label = `  ${t.label.padEnd(44)}`;
      if (!ours || (t.baselineRow !== undefined && !base)) {
        console.log(`${label} not measured in this run`);
        continue;
      }
      const fmt = (n: number): string => `${n.toFixed(1).padStart(7)} ${ours.unit}`;
      if (base) {
        const growth = ours.ours.p50 / base.ours.p50;
        const refGrowth = ours.reference.p50 / base.reference.p50;
        console.log(`${label} ${fmt(base.ours.p50)} -> ${fmt(ours.ours.p50)}  growth ${growth.toFixed(2)}x (reference ${refGrowth.toFixed(2)}x)  goal <= ${t.goal}x  ${growth <= t.goal ? 'met' : 'NOT met'}`);
        continue;
      }
      const ratio = ours.ours.p50 / ours.reference.p50;
      console.log(`${label} ours ${fmt(ours.ours.p50)} | ${ours.referenceName} ${fmt(ours.reference.p50)} | ratio ${ratio.toFixed(2)}x  goal <= ${t.goal}x  ${ratio <= t.goal ? 'met' : 'NOT met'}`);
    }
  }
}
