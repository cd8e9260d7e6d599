// Fuzz-style table for the bridge plugin: adversarial environments and configs, each for the verbs
// where it applies, through the real dispatcher. DEL rows expect success for values that only matter
// for creating things (the spec's best-effort DEL); ADD and CHECK rows expect the code and the field.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cmdAdd } from '../../../../plugins/bridge/add';
import { cmdCheck } from '../../../../plugins/bridge/check';
import { cmdDel } from '../../../../plugins/bridge/del';
import { cmdGc } from '../../../../plugins/bridge/gc';
import { cmdStatus } from '../../../../plugins/bridge/status';
import { LONG_NETNS, defineRows, type Row } from '../../../helpers/adversarial-table';
import { dispatch } from '../../../helpers/unit-plugin';

const FUNCS = { add: cmdAdd, del: cmdDel, check: cmdCheck, gc: cmdGc, status: cmdStatus };
const DANGLING = path.join(os.tmpdir(), `bt-dangling-netns-${process.pid}`);
const BAD_PREV = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ address: '10.0.0.2/24', interface: 1 }] };

const rows: Row[] = [
  // DEL: creation-only values that do not validate are ignored.
  { name: 'mtu 50 (the kernel refuses it)', verb: 'DEL', conf: { mtu: 50 }, code: 0 },
  { name: 'mtu -1', verb: 'DEL', conf: { mtu: -1 }, code: 0 },
  { name: 'mtu "1500" (a string)', verb: 'DEL', conf: { mtu: '1500' }, code: 0 },
  { name: 'vlan 4095', verb: 'DEL', conf: { vlan: 4095 }, code: 0 },
  { name: 'vlanTrunk minID above maxID', verb: 'DEL', conf: { vlanTrunk: [{ minID: 9, maxID: 3 }] }, code: 0 },
  { name: 'hairpinMode with promiscMode', verb: 'DEL', conf: { hairpinMode: true, promiscMode: true }, code: 0 },
  { name: 'a bad runtimeConfig.mac', verb: 'DEL', conf: { runtimeConfig: { mac: 'zz' } }, code: 0 },
  { name: 'dns.nameservers not a list', verb: 'DEL', conf: { dns: { nameservers: 'x' } }, code: 0 },
  { name: 'capabilities not booleans', verb: 'DEL', conf: { capabilities: { ips: 'yes' } }, code: 0 },
  { name: 'bridge "br%d"', verb: 'DEL', conf: { bridge: 'br%d' }, code: 0 },
  { name: 'a prevResult whose ips[0].interface is past the list', verb: 'DEL', conf: { prevResult: BAD_PREV }, code: 0 },
  { name: 'a prevResult that is not a result', verb: 'DEL', conf: { prevResult: { ips: 'x' } }, code: 0 },
  { name: 'CNI_ARGS garbage', verb: 'DEL', env: { CNI_ARGS: 'garbage' }, code: 0 },
  // DEL: the locating keys stay strict.
  { name: 'name "../x"', verb: 'DEL', conf: { name: '../x' }, code: 7, field: '/name' },
  { name: 'cniVersion 1', verb: 'DEL', conf: { cniVersion: 1 }, code: 7, field: '/cniVersion' },
  { name: 'ipam not an object', verb: 'DEL', conf: { ipam: 5 }, code: 7, field: '/ipam' },
  { name: 'ipam.type a number', verb: 'DEL', conf: { ipam: { type: 5 } }, code: 7, field: '/ipam/type' },
  // DEL: names ADD refuses, and netns paths that cannot be entered, are gone attachments.
  { name: 'CNI_IFNAME "eth%d"', verb: 'DEL', env: { CNI_IFNAME: 'eth%d' }, code: 0 },
  { name: 'CNI_IFNAME "lo" in a netns that is gone', verb: 'DEL', env: { CNI_IFNAME: 'lo' }, code: 0 },
  { name: 'CNI_NETNS a regular file', verb: 'DEL', env: { CNI_NETNS: '/etc/hostname' }, code: 0 },
  { name: 'CNI_NETNS a sysfs directory', verb: 'DEL', env: { CNI_NETNS: '/sys/class/net' }, code: 0 },
  { name: 'CNI_NETNS ending in "/"', verb: 'DEL', env: { CNI_NETNS: '/etc/hostname/' }, code: 0 },
  { name: 'CNI_NETNS 10 KB long', verb: 'DEL', env: { CNI_NETNS: LONG_NETNS }, code: 0 },
  { name: 'CNI_NETNS /proc/self/ns/mnt', verb: 'DEL', env: { CNI_NETNS: '/proc/self/ns/mnt' }, code: 0 },
  { name: 'CNI_NETNS a dangling symlink', verb: 'DEL', env: { CNI_NETNS: DANGLING }, code: 0 },
  // GC reads the bridge name (the spoof checks of its ports): strict there.
  { name: 'bridge "br%d"', verb: 'GC', conf: { bridge: 'br%d' }, code: 7, field: '/bridge' },
  { name: 'mtu 50', verb: 'GC', conf: { mtu: 50 }, code: 0 },
  // ADD and CHECK: full validation, before anything is touched.
  { name: 'mtu 50', verb: 'ADD', conf: { mtu: 50 }, code: 7, field: '/mtu' },
  { name: 'mtu 50', verb: 'CHECK', conf: { mtu: 50 }, code: 7, field: '/mtu' },
  { name: 'vlan 4095', verb: 'ADD', conf: { vlan: 4095 }, code: 7, field: '/vlan' },
  ...['br%d', 'all', 'default', 'lo', 'bà', 'a-very-long-bridge'].map((bridge): Row => ({ name: `bridge ${JSON.stringify(bridge)}`, verb: 'ADD', conf: { bridge }, code: 7, field: '/bridge' })),
  ...['eth%d', 'all', 'default', 'lo', 'eà', '.', 'a/b', 'a:b', 'a b', 'ifname-longer-than-15'].flatMap((ifName): Row[] => [
    { name: `CNI_IFNAME ${JSON.stringify(ifName)}`, verb: 'ADD', env: { CNI_IFNAME: ifName }, code: 4, field: 'CNI_IFNAME' },
    { name: `CNI_IFNAME ${JSON.stringify(ifName)}`, verb: 'CHECK', env: { CNI_IFNAME: ifName }, code: 4, field: 'CNI_IFNAME' },
  ]),
  ...[
    ['10 KB long', LONG_NETNS], ['ending in "/"', '/run/netns/x/'], ['a sysfs directory', '/sys/class/net'],
    ['a regular file', '/etc/hostname'], ['/proc/self/ns/mnt', '/proc/self/ns/mnt'], ['a dangling symlink', DANGLING],
    ['a directory', '/'],
  ].flatMap(([what, netns]): Row[] => [
    { name: `CNI_NETNS ${what}`, verb: 'ADD', env: { CNI_NETNS: netns! }, code: 4, field: 'CNI_NETNS' },
    { name: `CNI_NETNS ${what}`, verb: 'CHECK', env: { CNI_NETNS: netns! }, code: 4, field: 'CNI_NETNS' },
  ]),
  { name: 'a prevResult whose ips[0].interface is past the list', verb: 'CHECK', conf: { prevResult: BAD_PREV }, code: 7, field: '/prevResult/ips/0/interface' },
  { name: 'a prevResult whose ips[0].interface is negative', verb: 'CHECK', conf: { prevResult: { ...BAD_PREV, ips: [{ address: '10.0.0.2/24', interface: -1 }] } }, code: 7, field: '/prevResult/ips/0/interface' },
  { name: 'a prevResult whose ips[0].interface is 0.5', verb: 'CHECK', conf: { prevResult: { ...BAD_PREV, ips: [{ address: '10.0.0.2/24', interface: 0.5 }] } }, code: 7, field: '/prevResult/ips/0/interface' },
];

describe('plugins/bridge adversarial inputs (table)', () => {
  before(() => fs.symlinkSync('/nonexistent/bt-target', DANGLING));
  after(() => fs.rmSync(DANGLING, { force: true }));
  defineRows(rows, (verb, env, conf) =>
    dispatch(FUNCS, 'bridge', { CNI_COMMAND: verb, ...env }, { cniVersion: '1.1.0', name: 'bt-adv', type: 'bridge', bridge: 'bt-adv0', ...conf }));
});
