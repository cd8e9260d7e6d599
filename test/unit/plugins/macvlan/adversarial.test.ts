// Fuzz-style table for the macvlan plugin: adversarial configs and environments per verb through the
// real dispatcher. DEL reads nothing but ipam; ADD and CHECK refuse before anything is created.
import { cmdAdd } from '../../../../plugins/macvlan/add';
import { cmdCheck } from '../../../../plugins/macvlan/check';
import { cmdDel } from '../../../../plugins/macvlan/del';
import { cmdGc } from '../../../../plugins/macvlan/gc';
import { cmdStatus } from '../../../../plugins/macvlan/status';
import { LONG_NETNS, defineRows, type Row } from '../../../helpers/adversarial-table';
import { dispatch } from '../../../helpers/unit-plugin';

const FUNCS = { add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus };

const rows: Row[] = [
  { name: 'mode "bogus"', verb: 'DEL', conf: { mode: 'bogus' }, code: 0 },
  { name: 'mtu 50', verb: 'DEL', conf: { mtu: 50 }, code: 0 },
  { name: 'master "eth%d"', verb: 'DEL', conf: { master: 'eth%d' }, code: 0 },
  { name: 'macaddrs without mode source', verb: 'DEL', conf: { macaddrs: ['02:00:00:00:00:01'] }, code: 0 },
  { name: 'dns not an object', verb: 'DEL', conf: { dns: 'x' }, code: 0 },
  { name: 'a prevResult that is not a result', verb: 'DEL', conf: { prevResult: { interfaces: 'x' } }, code: 0 },
  { name: 'CNI_IFNAME "eth%d"', verb: 'DEL', env: { CNI_IFNAME: 'eth%d' }, code: 0 },
  { name: 'CNI_NETNS a regular file', verb: 'DEL', env: { CNI_NETNS: '/etc/hostname' }, code: 0 },
  { name: 'CNI_NETNS 10 KB long', verb: 'DEL', env: { CNI_NETNS: LONG_NETNS }, code: 0 },
  { name: 'CNI_NETNS a sysfs directory', verb: 'DEL', env: { CNI_NETNS: '/sys/class/net/' }, code: 0 },
  { name: 'name with a NUL', verb: 'DEL', conf: { name: 'a\u0000b' }, code: 7, field: '/name' },
  { name: 'mode "bogus"', verb: 'ADD', conf: { mode: 'bogus' }, code: 7, field: '/mode' },
  { name: 'mode "bogus"', verb: 'CHECK', conf: { mode: 'bogus' }, code: 7, field: '/mode' },
  ...['eth%d', 'all', 'default', 'eà', '../x'].map((master): Row => ({ name: `master ${JSON.stringify(master)}`, verb: 'ADD', conf: { master }, code: 7, field: '/master' })),
  { name: 'master "lo"', verb: 'STATUS', conf: { master: 'lo' }, code: 50, field: 'loopback' },
  { name: 'mtu 70000', verb: 'ADD', conf: { mtu: 70000 }, code: 7, field: '/mtu' },
  { name: 'bcqueuelen -1', verb: 'ADD', conf: { bcqueuelen: -1 }, code: 7, field: '/bcqueuelen' },
  { name: 'CNI_IFNAME "eth%d"', verb: 'ADD', env: { CNI_IFNAME: 'eth%d' }, code: 4, field: 'CNI_IFNAME' },
  { name: 'CNI_IFNAME "lo"', verb: 'CHECK', env: { CNI_IFNAME: 'lo' }, code: 4, field: 'CNI_IFNAME' },
  { name: 'CNI_NETNS 10 KB long', verb: 'ADD', env: { CNI_NETNS: LONG_NETNS }, code: 4, field: 'CNI_NETNS' },
  { name: 'CNI_NETNS a regular file', verb: 'ADD', env: { CNI_NETNS: '/etc/hostname' }, code: 4, field: 'CNI_NETNS' },
  { name: 'a prevResult whose ips[0].interface is past the list', verb: 'CHECK', conf: { prevResult: { cniVersion: '1.0.0', interfaces: [{ name: 'eth0' }], ips: [{ address: '10.0.0.2/24', interface: 1 }] } }, code: 7, field: '/prevResult/ips/0/interface' },
];

describe('plugins/macvlan adversarial inputs (table)', () => {
  defineRows(rows, (verb, env, conf) =>
    dispatch(FUNCS, 'macvlan', { CNI_COMMAND: verb, ...env }, { cniVersion: '1.1.0', name: 'bt-mv', type: 'macvlan', master: 'bt-nolink0', ...conf }));
});
