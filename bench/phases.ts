// The phase breakdown of our plugin execs: each run of ours is made with BERTH_PHASES=1, so the
// plugin prints where its time went (lib/util/phase-clock.ts) on stderr; this collects the lines and
// prints the medians next to the wall time the bench measured from outside.
import { percentile } from './stats';

/** The phases in the order an ADD meets them; any other name a plugin reports is printed after these. */
const ORDER = ['exec', 'node', 'load', 'validation', 'netns', 'ipam', 'netlink', 'sysctl', 'firewall', 'result', 'unaccounted'];

const LABELS: Record<string, string> = {
  exec: 'exec + exit (fork, exec, dynamic linking, exit; outside Node)',
  node: 'Node start-up (time origin to our loader)',
  load: 'module load (read, code cache, bundle top level)',
  validation: 'config decode and validation',
  netns: 'open the netns',
  ipam: 'IPAM (in-process host-local; overlaps netlink)',
  netlink: 'netlink (links, addresses, routes, port ready)',
  sysctl: 'sysctls',
  firewall: 'firewall (iptables/nft processes)',
  result: 'result (convert and print)',
  unaccounted: 'rest of the verb (not in a phase; negative = overlap)',
};

/** Phase samples (ms) by phase name, one sample per run. */
export class PhaseSamples {
  readonly #samples = new Map<string, number[]>();
  #runs = 0;

  /** Adds one run: its stderr (the plugin's phase line) and the wall time measured outside. */
  add(stderr: string, wallMs: number): void {
    const line = stderr.split('\n').find((l) => l.startsWith('{"berthPhases"'));
    if (!line) throw new Error(`no phase line in the plugin's stderr (built without lib/util/phase-clock?): ${stderr.slice(0, 300)}`);
    const p = (JSON.parse(line) as { berthPhases: Record<string, number> }).berthPhases;
    const { end = wallMs, node = 0, load = 0, ...spans } = p;
    const inVerb = Object.values(spans).reduce((a, b) => a + b, 0);
    const all: Record<string, number> = { exec: wallMs - end, node, load, ...spans, unaccounted: end - node - load - inVerb };
    for (const [k, v] of Object.entries(all)) {
      const list = this.#samples.get(k) ?? [];
      list.push(v);
      this.#samples.set(k, list);
    }
    this.#runs += 1;
  }

  /** Prints the median of each phase (a phase missing from a run counts 0 there). */
  print(title: string, wall: readonly number[]): void {
    if (this.#runs === 0) return;
    console.log(`\n${title}: where our time goes (p50 ms of ${this.#runs} runs; wall p50 ${percentile(wall, 50).toFixed(1)} ms)`);
    const names = [...ORDER.filter((n) => this.#samples.has(n)), ...[...this.#samples.keys()].filter((n) => !ORDER.includes(n))];
    for (const n of names) {
      const s = this.#samples.get(n)!;
      const padded = [...s, ...Array<number>(this.#runs - s.length).fill(0)];
      console.log(`  ${(LABELS[n] ?? n).padEnd(62)} ${percentile(padded, 50).toFixed(1).padStart(7)}`);
    }
  }
}
