// The BUILT loopback (dist/bin/loopback; `npm run build` first) against a fresh container netns, whose
// `lo` starts down: the link state and addresses after ADD, CHECK and DEL, every spec version, the
// prevResult pass-through of a chained call, and DEL's success without a netns. The reference's loopback
// (Debian's, in /usr/lib/cni) gets the same calls where the two must agree on kernel state.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ALL_SPEC_VERSIONS } from '../../../lib/cni';
import { ipJson, useNetnsPair, type TestNetns } from '../../helpers/netns';
import { runPluginInNetns, type Run } from '../../helpers/run-plugin';
import { skipUnless } from '../../helpers/skip';

const DIST = path.resolve(__dirname, '../../../dist/bin');
const REFERENCE = '/usr/lib/cni/loopback';

describe('plugins/loopback (built executable)', function () {
  this.timeout(60_000);
  const ns = useNetnsPair();
  before(function () {
    if (!fs.existsSync(path.join(DIST, 'loopback'))) throw new Error(`${DIST}/loopback is missing: run \`npm run build\` first`);
  });

  const nsPath = (n: TestNetns): string => `/run/netns/${n.name}`;
  const conf = (cniVersion: string, extra: object = {}) => ({ cniVersion, name: 'lo-net', type: 'loopback', ...extra });
  const call = (command: string, config: object, netns = nsPath(ns.container), bin = path.join(DIST, 'loopback')): Promise<Run> =>
    runPluginInNetns(ns.host, bin, { command, cniPath: DIST, netns, ifName: 'lo' }, config);
  const lo = (): { up: boolean; addrs: string[] } => {
    const [link] = ipJson(ns.container.name, 'addr', 'show', 'dev', 'lo');
    return { up: (link.flags as string[]).includes('UP'), addrs: (link.addr_info as { local: string; prefixlen: number }[]).map((a) => `${a.local}/${a.prefixlen}`) };
  };
  const ok = (r: Run, what: string): Run => {
    assert.equal(r.code, 0, `${what}: ${r.stdout}${r.stderr}`);
    return r;
  };

  for (const v of ALL_SPEC_VERSIONS) {
    it(`${v}: ADD brings lo up and reports it, ${v >= '0.4.0' ? 'CHECK passes, ' : ''}DEL takes it down, DEL again succeeds`, async () => {
      assert.equal(lo().up, false, 'a new netns has lo down');
      const add = ok(await call('ADD', conf(v)), 'ADD');
      assert.deepEqual(lo(), { up: true, addrs: ['127.0.0.1/8', '::1/128'] });
      assert.equal(add.json.cniVersion, v);
      if (v < '0.3.0') {
        assert.deepEqual({ ip4: add.json.ip4, ip6: add.json.ip6 }, { ip4: { ip: '127.0.0.1/8' }, ip6: { ip: '::1/128' } });
      } else {
        assert.deepEqual(add.json.interfaces, [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: nsPath(ns.container) }]);
        assert.deepEqual(add.json.ips.map((i: { address: string; interface: number }) => [i.address, i.interface]), [['127.0.0.1/8', 0], ['::1/128', 0]]);
      }
      if (v >= '0.4.0') ok(await call('CHECK', conf(v, { prevResult: add.json })), 'CHECK');
      ok(await call('DEL', conf(v)), 'DEL');
      // The kernel drops ::1 with the link's IPv6 state when lo goes down; the next ADD brings both back.
      assert.deepEqual(lo(), { up: false, addrs: ['127.0.0.1/8'] });
      ok(await call('DEL', conf(v)), 'DEL again');
    });
  }

  it('CHECK fails with 999 when lo is down, naming it as the reference does', async () => {
    const check = await call('CHECK', conf('1.0.0'));
    assert.equal(check.code, 1);
    assert.deepEqual({ code: check.json.code, msg: check.json.msg }, { code: 999, msg: 'loopback interface is down' });
  });

  it('chained after another plugin, ADD passes the prevResult through unchanged', async () => {
    const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: nsPath(ns.container) }], ips: [{ interface: 0, address: '10.1.2.3/24' }] };
    const add = ok(await call('ADD', conf('1.0.0', { prevResult })), 'ADD');
    assert.deepEqual(add.json, prevResult);
    assert.equal(lo().up, true);
  });

  it('DEL succeeds with no CNI_NETNS and with one already deleted; ADD into a missing netns is code 4', async () => {
    ok(await call('DEL', conf('1.0.0'), ''), 'DEL without netns');
    ok(await call('DEL', conf('1.0.0'), '/run/netns/bt-gone-loopback'), 'DEL of a deleted netns');
    const add = await call('ADD', conf('1.0.0'), '/run/netns/bt-gone-loopback');
    assert.equal(add.json?.code, 4, add.stdout);
  });

  it("leaves lo as the reference's loopback does after ADD and after DEL", async function () {
    skipUnless(this, fs.existsSync(REFERENCE), `the reference loopback (${REFERENCE}, Debian's containernetworking-plugins)`);
    const states: Record<string, unknown> = {};
    for (const [who, bin] of [['berth', path.join(DIST, 'loopback')], ['reference', REFERENCE]] as const) {
      ok(await call('ADD', conf('1.0.0'), nsPath(ns.container), bin), `${who} ADD`);
      const afterAdd = lo();
      ok(await call('DEL', conf('1.0.0'), nsPath(ns.container), bin), `${who} DEL`);
      states[who] = { afterAdd, afterDel: lo() };
    }
    assert.deepEqual(states.berth, states.reference);
  });
});
