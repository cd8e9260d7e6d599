// `npm run bench`: every benchmark, ours against the reference in the same run, printed as ratios.
// Figures, never assertions: nothing here fails on a slow machine.
import { benchPluginStartup } from './plugin-startup';
import { benchNetlinkVsIp } from './netlink-vs-ip';
import { printRows } from './stats';

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the benchmarks need root (network namespaces)');
  printRows('Plugin start-up: exec to VERSION answer', await benchPluginStartup());
  printRows('Netlink round trip: koffi socket vs spawning ip', await benchNetlinkVsIp());
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
