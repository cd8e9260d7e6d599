// `npm run bench`: every benchmark, ours against the reference in the same run, printed as ratios
// (ours / reference: below 1 means ours is faster). Figures, never assertions: nothing here fails on a
// slow machine. `npm run bench -- quick` runs fewer iterations and skips the 1,000-attachment scale run;
// `npm run bench -- only=bridge,runtime` runs just those parts. The last table is the targets' board.
import { benchPluginStartup } from './plugin-startup';
import { benchNetlinkVsIp } from './netlink-vs-ip';
import { benchHostLocal } from './host-local';
import { benchBridge } from './bridge';
import { benchMacvlan } from './macvlan';
import { benchChained } from './chained';
import { benchRuntime, printRuntimeTable } from './runtime';
import { benchOverlay, overlayBenchDefaults, printOverlayTable } from './overlay';
import { benchImages } from './images';
import { printRows, summarize, type BenchRow } from './stats';
import { TargetBoard } from './targets';

async function main(): Promise<void> {
  // Ctrl-C or a kill: exit normally, so every bench's exit hook removes its namespaces and processes.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  if (process.getuid?.() !== 0) throw new Error('the benchmarks need root (network namespaces)');
  const quick = process.argv.includes('quick');
  // `only=bridge,macvlan`: just those parts (names as below).
  const only = process.argv.find((a) => a.startsWith('only='))?.slice(5).split(',');
  const wanted = (part: string): boolean => only === undefined || only.includes(part);
  const board = new TargetBoard();
  const print = (title: string, rows: BenchRow[]): void => {
    printRows(title, rows);
    board.collect(title, rows);
  };
  if (wanted('startup')) print('Plugin start-up: exec to VERSION answer', await benchPluginStartup(quick ? 15 : 40));
  if (wanted('netlink')) print('Netlink round trip: koffi socket vs spawning ip', await benchNetlinkVsIp(quick ? 50 : 200));
  if (wanted('host-local')) print('host-local ADD/DEL', await benchHostLocal({ iterations: quick ? 20 : 100 }));
  if (wanted('bridge')) {
    await benchBridge({
      iterations: quick ? 10 : 30,
      scaleN: quick ? 0 : 1000,
      stormCount: quick ? 40 : 200,
      onRows: (title, rows) => print(`bridge, ${title}`, rows),
    });
  }
  if (wanted('macvlan')) print('macvlan ADD/DEL', await benchMacvlan({ iterations: quick ? 10 : 30 }));
  if (wanted('chained')) print('loopback and portmap ADD/DEL', await benchChained({ iterations: quick ? 10 : 30 }));
  if (wanted('runtime')) {
    await benchRuntime({
      iterations: quick ? 10 : 30,
      memoryRuns: quick ? 3 : 5,
      onTable: (t) => {
        printRuntimeTable(t);
        board.collect(t.title, t.rows.map((r) => ({ ...r, ours: summarize(r.ours), reference: summarize(r.reference) })));
      },
    });
  }
  if (wanted('overlay')) await benchOverlay({ ...overlayBenchDefaults(quick), onTable: printOverlayTable });
  if (wanted('images')) print('Images: layers, load/save, registry', await benchImages(quick ? 3 : 10));
  board.print();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
