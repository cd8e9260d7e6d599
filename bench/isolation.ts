/**
 * What network isolation adds to a `berth run` on a bridge network: the sync every start does
 * (lib/runtime/network/isolation.ts), timed in a throwaway host netns over a temporary store of 2,
 * 10 and 50 bridge networks. `steady` is the usual start (every rule in place: one iptables-save);
 * `after flush` is the first start after a reboot (one save and one restore of every rule).
 *
 *     npx tsx bench/isolation.ts [iterations]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runFirewall } from '../lib/firewall/run';
import { createNamedNetns, deleteNamedNetns, namedPath } from '../lib/netns';
import { NetworkStore, syncNetworkIsolation } from '../lib/runtime/network';
import { summarize } from './stats';

const iterations = Number(process.argv[2] ?? 30);
const nsName = `bench-iso-${process.pid}`;
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-iso-'));
createNamedNetns(nsName).close();
const opts = { netns: namedPath(nsName) };
const flush = (): void => void runFirewall('iptables-restore', ['-w', '5'], '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n', opts);
const ms = (s: ReturnType<typeof summarize>): string => `p50 ${s.p50.toFixed(2)} ms  p95 ${s.p95.toFixed(2)} ms  (n=${s.n})`;

async function main(): Promise<void> {
  for (const count of [2, 10, 50]) {
    const root = path.join(base, String(count));
    const store = new NetworkStore({ root, cniDir: path.join(root, 'cni') });
    for (let i = 1; i < count; i++) store.create({ name: `n${i}`, subnet: `10.${100 + Math.floor(i / 250)}.${i % 250}.0/24` });
    const steady: number[] = [];
    const fresh: number[] = [];
    flush();
    await syncNetworkIsolation(store, opts);
    for (let i = 0; i < iterations; i++) {
      let t = performance.now();
      const s = await syncNetworkIsolation(store, opts);
      steady.push(performance.now() - t);
      if (s.applied.length !== 0) throw new Error('steady sync changed something');
      flush();
      t = performance.now();
      const f = await syncNetworkIsolation(store, opts);
      fresh.push(performance.now() - t);
      if (f.applied.length !== 3 + 2 * count) throw new Error(`after flush: ${f.applied.length} lines`);
    }
    console.log(`${String(count).padStart(3)} bridge networks  steady      ${ms(summarize(steady))}`);
    console.log(`${String(count).padStart(3)} bridge networks  after flush ${ms(summarize(fresh))}`);
  }
}

main()
  .finally(() => {
    deleteNamedNetns(nsName);
    fs.rmSync(base, { recursive: true, force: true });
  })
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
