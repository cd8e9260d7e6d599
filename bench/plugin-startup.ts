import fs from 'node:fs';
import path from 'node:path';
import { pluginEnv, timedExec } from './exec';
import { printRows, summarize, type BenchRow } from './stats';

const DIST = path.resolve(__dirname, '..', 'dist', 'bin');
const REFERENCE_DIR = '/usr/lib/cni';

/**
 * Exec-to-answer time of CNI_COMMAND=VERSION: the fixed cost every ADD/DEL pays before doing any work.
 * Ours and the reference run alternately in the same loop so machine noise hits both alike.
 */
export async function benchPluginStartup(iterations = 40): Promise<BenchRow[]> {
  const pairs = [
    { ours: 'host-local', reference: 'host-local' },
    { ours: 'host-local', reference: 'bridge' },
  ].filter((p) => fs.existsSync(path.join(DIST, p.ours)) && fs.existsSync(path.join(REFERENCE_DIR, p.reference)));
  const rows: BenchRow[] = [];
  const env = pluginEnv({ CNI_COMMAND: 'VERSION' });
  const stdin = '{"cniVersion":"1.1.0"}';
  for (const pair of pairs) {
    const ours: number[] = [];
    const reference: number[] = [];
    for (let i = 0; i < iterations + 3; i++) {
      const a = await timedExec(path.join(DIST, pair.ours), env, stdin);
      const b = await timedExec(path.join(REFERENCE_DIR, pair.reference), env, stdin);
      if (a.code !== 0 || !a.stdout.includes('supportedVersions')) throw new Error(`our ${pair.ours} VERSION failed: ${a.stdout}${a.stderr}`);
      if (b.code !== 0) throw new Error(`reference ${pair.reference} VERSION failed: ${b.stdout}${b.stderr}`);
      if (i < 3) continue; // warm the page cache for both binaries
      ours.push(a.ms);
      reference.push(b.ms);
    }
    rows.push({ name: `VERSION exec: ${pair.ours} vs ${pair.reference}`, unit: 'ms', ours: summarize(ours), reference: summarize(reference), referenceName: `ref ${pair.reference}` });
  }
  // Node's own floor, for scale: what no bundle can go below.
  const floor: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < iterations; i++) {
    floor.push((await timedExec(process.execPath, pluginEnv({}), '')).ms);
    bare.push((await timedExec('/bin/true', pluginEnv({}), '')).ms);
  }
  rows.push({ name: 'floor: node (empty stdin) vs /bin/true', unit: 'ms', ours: summarize(floor), reference: summarize(bare), referenceName: '/bin/true' });
  return rows;
}

if (require.main === module) {
  benchPluginStartup().then((rows) => printRows('Plugin start-up (exec to answer)', rows));
}
