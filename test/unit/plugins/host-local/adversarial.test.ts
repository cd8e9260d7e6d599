// Fuzz-style table for the host-local plugin: adversarial configs and environments per verb through
// the real dispatcher, over a throwaway dataDir. DEL rows expect success for values only ADD needs.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hostLocalAdd, hostLocalCheck, hostLocalDel, hostLocalGc, hostLocalStatus } from '../../../../lib/ipam/host-local-commands';
import { defineRows, type Row } from '../../../helpers/adversarial-table';
import { dispatch } from '../../../helpers/unit-plugin';

const FUNCS = { add: hostLocalAdd, del: hostLocalDel, check: hostLocalCheck, gc: hostLocalGc, status: hostLocalStatus };
const DATA_DIR = path.join(os.tmpdir(), `bt-hl-adv-${process.pid}`);
const ipam = (extra: Record<string, unknown> = {}) => ({ ipam: { type: 'host-local', subnet: '10.7.0.0/24', dataDir: DATA_DIR, ...extra } });

const rows: Row[] = [
  // ADD: each of these reached the kernel (or a wrong result) before.
  { name: 'a route gw outside every subnet', verb: 'ADD', conf: ipam({ routes: [{ dst: '10.9.0.0/16', gw: '192.168.1.1' }] }), code: 7, field: '/ipam/routes/0/gw' },
  { name: 'a route gw of the other family', verb: 'ADD', conf: ipam({ routes: [{ dst: '10.9.0.0/16', gw: '2001:db8::1' }] }), code: 7, field: '/ipam/routes/0/gw' },
  { name: 'a route scope 300 (rtm_scope is a u8)', verb: 'ADD', conf: ipam({ routes: [{ dst: '10.9.0.0/16', scope: 300 }] }), code: 7, field: '/ipam/routes/0/scope' },
  { name: 'a route dst that is not a CIDR', verb: 'ADD', conf: ipam({ routes: [{ dst: '10.9.0.0/33' }] }), code: 7, field: '/ipam/routes/0/dst' },
  { name: 'args.cni.ips naming one IP twice', verb: 'ADD', conf: { ...ipam(), args: { cni: { ips: ['10.7.0.9', '10.7.0.9/24'] } } }, code: 7, field: '/args/cni/ips/1' },
  { name: 'runtimeConfig.ips (the ips capability) naming one IP twice', verb: 'ADD', conf: { ...ipam(), runtimeConfig: { ips: ['10.7.0.9/24', '10.7.0.9/24'] } }, code: 7, field: '/runtimeConfig/ips/1' },
  { name: 'CNI_ARGS IP= naming one IP twice', verb: 'ADD', env: { CNI_ARGS: 'IP=10.7.0.9,10.7.0.9' }, conf: ipam(), code: 4, field: 'CNI_ARGS' },
  { name: 'dataDir relative', verb: 'ADD', conf: ipam({ dataDir: 'var/lib/cni' }), code: 7, field: '/ipam/dataDir' },
  { name: 'dataDir with ".."', verb: 'ADD', conf: ipam({ dataDir: `${DATA_DIR}/../x` }), code: 7, field: '/ipam/dataDir' },
  { name: 'ipam null', verb: 'ADD', conf: { ipam: null }, code: 7, field: '/ipam' },
  { name: 'subnet with host bits', verb: 'ADD', conf: ipam({ subnet: '10.7.0.1/24' }), code: 7, field: '/ipam/subnet' },
  { name: 'CNI_IFNAME "eth%d"', verb: 'ADD', env: { CNI_IFNAME: 'eth%d' }, conf: ipam(), code: 4, field: 'CNI_IFNAME' },
  { name: 'a prevResult whose ips[0].interface is past the list', verb: 'CHECK', conf: { ...ipam(), prevResult: { cniVersion: '1.0.0', ips: [{ address: '10.7.0.2/24', interface: 0 }] } }, code: 7, field: '/prevResult/ips/0/interface' },
  // DEL: only the name and dataDir locate the leases.
  { name: 'a subnet with host bits', verb: 'DEL', conf: ipam({ subnet: '10.7.0.1/24' }), code: 0 },
  { name: 'ranges not a list', verb: 'DEL', conf: ipam({ ranges: 'x' }), code: 0 },
  { name: 'routes with an unreachable gw', verb: 'DEL', conf: ipam({ routes: [{ dst: '10.9.0.0/16', gw: '192.168.1.1' }] }), code: 0 },
  { name: 'args.cni.ips naming one IP twice', verb: 'DEL', conf: { ...ipam(), args: { cni: { ips: ['10.7.0.9', '10.7.0.9'] } } }, code: 0 },
  { name: 'resolvConf a number', verb: 'DEL', conf: ipam({ resolvConf: 5 }), code: 0 },
  { name: 'CNI_ARGS IP=garbage', verb: 'DEL', env: { CNI_ARGS: 'IP=garbage' }, conf: ipam(), code: 0 },
  { name: 'dataDir with ".."', verb: 'DEL', conf: ipam({ dataDir: `${DATA_DIR}/../x` }), code: 7, field: '/ipam/dataDir' },
  { name: 'dataDir a number', verb: 'DEL', conf: ipam({ dataDir: 5 }), code: 7, field: '/ipam/dataDir' },
  { name: 'ipam missing', verb: 'DEL', conf: { ipam: undefined }, code: 7, field: '/ipam' },
  { name: 'a bad subnet', verb: 'GC', conf: { ...ipam({ subnet: 'x' }), 'cni.dev/valid-attachments': [] }, code: 0 },
];

describe('plugins/host-local adversarial inputs (table)', () => {
  after(() => fs.rmSync(DATA_DIR, { recursive: true, force: true }));
  const run = (verb: string, env: Record<string, string>, conf: Record<string, unknown>) =>
    dispatch(FUNCS, 'host-local', { CNI_COMMAND: verb, ...env }, { cniVersion: '1.1.0', name: 'bt-hl', type: 'host-local', ...conf });
  defineRows(rows, run);

  it('ADD: a route dst with host bits is masked in the result (10.1.2.3/16 → 10.1.0.0/16)', async () => {
    const out = await run('ADD', { CNI_CONTAINERID: 'mask1' }, ipam({ routes: [{ dst: '10.1.2.3/16', gw: '10.7.0.1' }] }));
    assert.equal(out.code, 0, out.stdout);
    assert.deepEqual(out.json.routes, [{ dst: '10.1.0.0/16', gw: '10.7.0.1' }]);
    assert.equal((await run('DEL', { CNI_CONTAINERID: 'mask1' }, ipam())).code, 0);
  });
  it('ADD: CNI_ARGS IP= and the ips capability naming the same IP are one request', async () => {
    const out = await run('ADD', { CNI_CONTAINERID: 'both1', CNI_ARGS: 'IP=10.7.0.50' }, { ...ipam(), runtimeConfig: { ips: ['10.7.0.50/24'] } });
    assert.equal(out.code, 0, out.stdout);
    assert.equal(out.json.ips[0].address, '10.7.0.50/24');
    assert.equal((await run('DEL', { CNI_CONTAINERID: 'both1' }, ipam())).code, 0);
  });
  it('DEL with CNI_IFNAME "eth%d" (refused at ADD) releases the lease keyed by it', async () => {
    fs.mkdirSync(path.join(DATA_DIR, 'bt-hl'), { recursive: true });
    const lease = path.join(DATA_DIR, 'bt-hl', '10.7.0.77');
    fs.writeFileSync(lease, 'old1\r\neth%d');
    const out = await run('DEL', { CNI_CONTAINERID: 'old1', CNI_IFNAME: 'eth%d' }, ipam({ subnet: 'garbage' }));
    assert.equal(out.code, 0, out.stdout);
    assert.equal(fs.existsSync(lease), false);
  });
});
