// `npm run bench`: every benchmark, ours against the reference in the same run, printed as ratios
// (ours / reference: below 1 means ours is faster). Figures, never assertions: nothing here fails on a
// slow machine. `npm run bench -- quick` runs fewer iterations and skips the 1,000-attachment scale run.
import { benchPluginStartup } from './plugin-startup';
import { benchNetlinkVsIp } from './netlink-vs-ip';
import { benchHostLocal } from './host-local';
import { benchBridge } from './bridge';
import { benchMacvlan } from './macvlan';
import { benchChained } from './chained';
import { benchRuntime, printRuntimeTable } from './runtime';
import { benchOverlay, overlayBenchDefaults, printOverlayTable } from './overlay';
import { printRows } from './stats';

async function main(): Promise<void> {
  // Ctrl-C or a kill: exit normally, so every bench's exit hook removes its namespaces and processes.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  if (process.getuid?.() !== 0) throw new Error('the benchmarks need root (network namespaces)');
  const quick = process.argv.includes('quick');
  printRows('Plugin start-up: exec to VERSION answer', await benchPluginStartup(quick ? 15 : 40));
  printRows('Netlink round trip: koffi socket vs spawning ip', await benchNetlinkVsIp(quick ? 50 : 200));
  printRows('host-local ADD/DEL', await benchHostLocal({ iterations: quick ? 20 : 100 }));
  await benchBridge({
    iterations: quick ? 10 : 30,
    scaleN: quick ? 0 : 1000,
    stormCount: quick ? 40 : 200,
    onRows: (title, rows) => printRows(`bridge, ${title}`, rows),
  });
  printRows('macvlan ADD/DEL', await benchMacvlan({ iterations: quick ? 10 : 30 }));
  printRows('loopback and portmap ADD/DEL', await benchChained({ iterations: quick ? 10 : 30 }));
  await benchRuntime({ iterations: quick ? 10 : 30, memoryRuns: quick ? 3 : 5, onTable: printRuntimeTable });
  await benchOverlay({ ...overlayBenchDefaults(quick), onTable: printOverlayTable });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
