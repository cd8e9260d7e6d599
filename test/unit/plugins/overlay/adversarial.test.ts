// Fuzz-style table for the overlay plugin: adversarial configs and environments per verb through the
// real dispatcher, before any delegate is exec'd. DEL and GC check strictly only where the state is.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cmdAdd } from '../../../../plugins/overlay/add';
import { cmdCheck } from '../../../../plugins/overlay/check';
import { cmdDel } from '../../../../plugins/overlay/del';
import { cmdGc } from '../../../../plugins/overlay/gc';
import { cmdStatus } from '../../../../plugins/overlay/status';
import { LONG_NETNS, defineRows, type Row } from '../../../helpers/adversarial-table';
import { dispatch } from '../../../helpers/unit-plugin';

const FUNCS = { add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus };
const DIR = path.join(os.tmpdir(), `bt-ovl-adv-${process.pid}`);

const rows: Row[] = [
  { name: 'runDir a number', verb: 'DEL', conf: { runDir: 5 }, code: 0 },
  { name: 'leaseFile relative', verb: 'DEL', conf: { leaseFile: 'x.json' }, code: 0 },
  { name: 'hairpinMode "yes"', verb: 'DEL', conf: { hairpinMode: 'yes' }, code: 0 },
  { name: 'a prevResult that is not a result', verb: 'DEL', conf: { prevResult: { routes: 1 } }, code: 0 },
  { name: 'CNI_IFNAME "eth%d"', verb: 'DEL', env: { CNI_IFNAME: 'eth%d' }, code: 0 },
  { name: 'CNI_NETNS 10 KB long', verb: 'DEL', env: { CNI_NETNS: LONG_NETNS }, code: 0 },
  { name: 'dataDir with ".."', verb: 'DEL', conf: { dataDir: `${DIR}/../x` }, code: 7, field: '/dataDir' },
  { name: 'dataDir relative', verb: 'DEL', conf: { dataDir: 'data' }, code: 7, field: '/dataDir' },
  { name: 'dataDir a number', verb: 'DEL', conf: { dataDir: 5 }, code: 7, field: '/dataDir' },
  { name: 'leaseFile a number', verb: 'GC', conf: { leaseFile: 5 }, code: 7, field: '/leaseFile' },
  { name: 'hairpinMode "yes"', verb: 'GC', conf: { hairpinMode: 'yes', 'cni.dev/valid-attachments': [] }, code: 0 },
  { name: 'runDir a number', verb: 'ADD', conf: { runDir: 5 }, code: 7, field: '/runDir' },
  { name: 'dataDir with ".."', verb: 'ADD', conf: { dataDir: `${DIR}/../x` }, code: 7, field: '/dataDir' },
  { name: 'hairpinMode "yes"', verb: 'CHECK', conf: { hairpinMode: 'yes' }, code: 7, field: '/hairpinMode' },
  { name: 'CNI_IFNAME "eth%d"', verb: 'ADD', env: { CNI_IFNAME: 'eth%d' }, code: 4, field: 'CNI_IFNAME' },
  { name: 'CNI_NETNS ending in "/"', verb: 'ADD', env: { CNI_NETNS: '/run/netns/x/' }, code: 4, field: 'CNI_NETNS' },
  { name: 'a prevResult whose ips[0].interface is past the list', verb: 'CHECK', conf: { prevResult: { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24', interface: 0 }] } }, code: 7, field: '/prevResult/ips/0/interface' },
];

describe('plugins/overlay adversarial inputs (table)', () => {
  after(() => fs.rmSync(DIR, { recursive: true, force: true }));
  defineRows(rows, (verb, env, conf) =>
    dispatch(FUNCS, 'overlay', { CNI_COMMAND: verb, ...env }, {
      cniVersion: '1.1.0', name: 'bt-ov', type: 'overlay', ipMasq: false, runDir: path.join(DIR, 'run'), dataDir: path.join(DIR, 'data'), ...conf,
    }));
});
