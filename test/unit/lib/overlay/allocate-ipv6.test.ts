// Dual-stack allocation: the IPv6 half of an overlay config (flannel's IPv6Network / IPv6SubnetLen and
// their defaults), the choice of an IPv6 subnet, and acquireLease by family against the real file
// store (create-if-absent under its lock), where racing nodes never share an IPv6 prefix and an IPv6
// acquisition never touches our IPv4 lease.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  OverlayConfigError, SubnetUnavailableError, acquireLease, chooseSubnet, configFamilies, defaultIPv6SubnetLen, validateConfig,
} from '../../../../lib/overlay/allocate';
import { FileStore } from '../../../../lib/overlay/stores/file-store';
import type { OverlayConfig } from '../../../../lib/overlay/types';
import { attrs, config, lease } from './fixtures';

const first = () => 0;
const dual = (v6 = 'fd00:10:244::/48', len: number | undefined = 64): OverlayConfig => ({ ...config(), IPv6Network: v6, ...(len === undefined ? {} : { IPv6SubnetLen: len }) });

describe('lib/overlay/allocate: IPv6', () => {
  describe('validateConfig', () => {
    it('keeps IPv6Network and IPv6SubnetLen; an IPv4-only config stays without them', () => {
      assert.deepEqual(validateConfig(dual()), { ...config(), IPv6Network: 'fd00:10:244::/48', IPv6SubnetLen: 64 });
      assert.equal('IPv6Network' in validateConfig(config()), false);
      assert.deepEqual(configFamilies(validateConfig(config())), [4]);
      assert.deepEqual(configFamilies(validateConfig(dual())), [4, 6]);
    });
    it('defaults IPv6SubnetLen as flannel: /64, or two bits longer than a network smaller than /62', () => {
      assert.equal(validateConfig(dual('fd00:10:244::/48', undefined)).IPv6SubnetLen, 64);
      assert.equal(defaultIPv6SubnetLen('fd00::/62'), 64);
      assert.equal(defaultIPv6SubnetLen('fd00::/63'), 65);
      assert.equal(defaultIPv6SubnetLen('fd00::/120'), 122);
    });
    const bad: [string, Record<string, unknown>, string, RegExp][] = [
      ['an IPv4 IPv6Network', { IPv6Network: '10.0.0.0/8' }, 'IPv6Network', /not an IPv6 CIDR/],
      ['host bits', { IPv6Network: 'fd00::1/64' }, 'IPv6Network', /host bits set \(the network is fd00::\/64\)/],
      ['a non-canonical spelling', { IPv6Network: 'fd00:0::/48' }, 'IPv6Network', /canonical form \(fd00::\/48\)/],
      ['a network smaller than /124', { IPv6Network: 'fd00::/125' }, 'IPv6Network', /smaller than \/124/],
      ['a subnet length not longer than the network', { IPv6Network: 'fd00::/48', IPv6SubnetLen: 48 }, 'IPv6SubnetLen', /longer than the network's \/48/],
      ['a subnet length past 126', { IPv6Network: 'fd00::/48', IPv6SubnetLen: 127 }, 'IPv6SubnetLen', /at most 126/],
      ['IPv6SubnetLen without IPv6Network', { IPv6SubnetLen: 64 }, 'IPv6SubnetLen', /IPv6Network is not/],
    ];
    for (const [what, extra, field, msg] of bad) {
      it(`refuses ${what}, naming ${field}`, () => {
        assert.throws(() => validateConfig({ ...config(), ...extra }), (err: unknown) => err instanceof OverlayConfigError && err.field === field && msg.test(err.message));
      });
    }
  });

  describe('chooseSubnet, family 6', () => {
    it('starts at the second /64 (the first\'s address is the network\'s own), formatted canonically', () => {
      assert.deepEqual(chooseSubnet(dual(), [], '192.0.2.1', undefined, first, [], 6), { subnet: 'fd00:10:244:1::/64', reuse: false });
    });
    it('reuses our IPv6 lease by PublicIP, and never takes our IPv4 lease for it', () => {
      const leases = [lease('10.244.7.0/24', '192.0.2.2'), lease('fd00:10:244:9::/64', '192.0.2.2'), lease('fd00:10:244:1::/64', '192.0.2.3')];
      assert.deepEqual(chooseSubnet(dual(), leases, '192.0.2.2', undefined, first, [], 6), { subnet: 'fd00:10:244:9::/64', reuse: true });
      assert.deepEqual(chooseSubnet(dual(), leases.slice(0, 1), '192.0.2.2', undefined, first, [], 6), { subnet: 'fd00:10:244:1::/64', reuse: false });
      // The IPv4 choice, for its part, ignores the IPv6 lease.
      assert.deepEqual(chooseSubnet(dual(), leases.slice(1), '192.0.2.2', undefined, first), { subnet: '10.244.1.0/24', reuse: false });
    });
    it('skips held and unreadable IPv6 subnets, takes a free previous one', () => {
      const held = [lease('fd00:10:244:1::/64', '192.0.2.3')];
      assert.equal(chooseSubnet(dual(), held, '192.0.2.2', undefined, first, ['fd00:10:244:2::/64'], 6).subnet, 'fd00:10:244:3::/64');
      assert.equal(chooseSubnet(dual(), held, '192.0.2.2', 'fd00:10:244:ab::/64', first, [], 6).subnet, 'fd00:10:244:ab::/64');
      assert.equal(chooseSubnet(dual(), held, '192.0.2.2', 'fd00:10:244:1::/64', first, [], 6).subnet, 'fd00:10:244:2::/64', 'a held previous is not taken');
    });
    it('throws naming the IPv6 network when every IPv6 subnet is taken (IPv4 leases not counted)', () => {
      // A /124 of /126s: four subnets, the first skipped (its address is the network's).
      const cfg = dual('fd00::/124', 126);
      const taken = ['fd00::4/126', 'fd00::8/126', 'fd00::c/126'].map((s) => lease(s, '192.0.2.9'));
      assert.throws(() => chooseSubnet(cfg, [...taken, lease('10.244.1.0/24', '192.0.2.9')], '192.0.2.2', undefined, first, [], 6),
        (err: unknown) => err instanceof SubnetUnavailableError && /no free \/126 subnet left in fd00::\/124 \(3 leased\)/.test(err.message));
    });
  });

  describe('acquireLease by family on the file store', () => {
    let dir: string;
    let store: FileStore;
    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alloc6-'));
      store = new FileStore({ path: path.join(dir, 'store.json'), pollMs: 50 });
      await store.putConfigIfAbsent('blue', dual());
    });
    afterEach(async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('leases an IPv4 and an IPv6 subnet for one node under two keys; a second acquisition renews each', async () => {
      const a = attrs('192.0.2.2');
      const v4 = await acquireLease(store, 'blue', a, { ttlMs: 60_000, random: first });
      const v6 = await acquireLease(store, 'blue', a, { ttlMs: 60_000, random: first, family: 6 });
      assert.deepEqual([v4.subnet, v6.subnet], ['10.244.1.0/24', 'fd00:10:244:1::/64']);
      assert.deepEqual((await store.listLeases('blue')).leases.map((l) => l.subnet).sort(), ['10.244.1.0/24', 'fd00:10:244:1::/64']);
      const again = await acquireLease(store, 'blue', a, { ttlMs: 60_000, random: first, family: 6 });
      assert.equal(again.subnet, v6.subnet);
      assert.equal((await store.listLeases('blue')).leases.length, 2, 'renewed, not a third lease; our IPv4 lease not deleted as "stale"');
    });

    it('never hands one IPv6 prefix to two nodes racing for the same pick', async () => {
      const nodes = [2, 3, 4, 5, 6, 7].map((n) => attrs(`192.0.2.${n}`));
      const got = await Promise.all(nodes.map((a) => acquireLease(store, 'blue', a, { ttlMs: 60_000, random: first, family: 6 })));
      assert.equal(new Set(got.map((l) => l.subnet)).size, nodes.length, got.map((l) => l.subnet).join(' '));
      const listed = (await store.listLeases('blue')).leases;
      assert.deepEqual(listed.map((l) => l.attrs.PublicIP).sort(), nodes.map((a) => a.PublicIP).sort());
    });

    it('refuses family 6 on an IPv4-only network, naming it', async () => {
      await store.putConfigIfAbsent('red', config());
      await assert.rejects(acquireLease(store, 'red', attrs('192.0.2.2'), { ttlMs: 60_000, family: 6 }), /overlay network "red" has no IPv6Network/);
    });
  });
});
