// Steps of the multi-host berthd scenario that do not depend on the store: the exact per-peer entries a
// host must hold, pings across every pair of containers, and a SIGKILL + restart under a running ping.
// Each proves kernel state (iproute2 dumps, the VXLAN device's MAC), not what berthd says about it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ipJson } from '../../../helpers/netns';
import { type Cluster, type Host, ping, waitFor } from './three-hosts-harness';

/** The MAC of the host's VXLAN device, as the kernel has it. */
export function vtepMac(h: Host, dev: string): string {
  return (ipJson(h.ns.name, 'link', 'show', dev) as any[])[0].address as string;
}

/**
 * Waits until `h` holds exactly one permanent neighbour, one FDB entry and one onlink route per host in
 * `peers` and nothing else: the route to the peer's leased subnet, the FDB entry from the peer's VTEP
 * MAC to its underlay address, the neighbour from the subnet's network address to that MAC.
 * @returns the milliseconds it took
 */
export async function expectPeers(c: Cluster, h: Host, peers: readonly Host[], network: string, dev: string, ms = 15_000): Promise<number> {
  const t0 = Date.now();
  const want = () => peers.map((p) => {
    const lease = c.leaseFile(p, network);
    assert.ok(lease, `host ${p.n} has no lease file for ${network}`);
    return { ip: p.ip, subnet: lease.subnet, gw: lease.subnet.split('/')[0]!, mac: vtepMac(p, dev) };
  });
  const sorted = (xs: string[]) => [...xs].sort();
  await waitFor(`host ${h.n} to hold exactly the entries of hosts ${peers.map((p) => p.n).join(', ') || '(none)'}`, () => {
    const w = want();
    const e = c.entries(h, dev);
    const same = (a: string[], b: string[]) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
    return same(e.routes.map((r) => `${r.dst}`), w.map((x) => x.subnet))
      && e.routes.every((r) => (r.flags as string[]).includes('onlink'))
      && same(e.fdb.map((f) => `${f.mac} ${f.dst}`), w.map((x) => `${x.mac} ${x.ip}`))
      && same(e.neigh.map((n) => `${n.dst} ${n.lladdr}`), w.map((x) => `${x.gw} ${x.mac}`))
      && e.neigh.every((n) => (n.state as string[]).includes('PERMANENT'));
  }, ms).catch((err: Error) => {
    throw new Error(`${err.message}\nhas: ${JSON.stringify(c.entries(h, dev))}\n${c.log(h)}`);
  });
  return Date.now() - t0;
}

/** Pings every container from every other one (2 packets, at least 1 must come back). */
export async function pingAllPairs(hosts: readonly Host[]): Promise<void> {
  for (const a of hosts) {
    for (const b of hosts) {
      if (a === b) continue;
      const r = await ping(a.ctr, b.ctrIP!, ['-c', '2', '-W', '2']);
      assert.ok(r.received >= 1, `host ${a.n} container → host ${b.n} container (${b.ctrIP}):\n${r.out}`);
    }
  }
}

/** True once the host's berthd answers its API and serves `network`. */
export function serving(c: Cluster, h: Host, network: string): boolean {
  try {
    return c.api(h, 'GET', '/v1/status').networks.some((n: any) => n.name === network && n.state === 'serving');
  } catch {
    return false;
  }
}

/**
 * SIGKILLs `h`'s berthd under a ping from `from`'s container to `h`'s (5/s for 8 s), restarts it, and
 * checks that at most 2 packets were lost, the VTEP MAC (device and state file) and the subnet are
 * the same, and every other host still points at that MAC.
 */
export async function restartUnderPing(c: Cluster, h: Host, from: Host, others: readonly Host[], network: string, dev: string): Promise<void> {
  const macBefore = vtepMac(h, dev);
  const subnetBefore = c.leaseFile(h, network)!.subnet;
  const pinging = ping(from.ctr, h.ctrIP!, ['-i', '0.2', '-c', '40', '-W', '1']);
  await new Promise((r) => setTimeout(r, 1500));
  await c.kill(h);
  await new Promise((r) => setTimeout(r, 1000));
  c.start(h, [network]);
  await waitFor(`the restarted berthd on host ${h.n} to serve`, () => serving(c, h, network));
  const r = await pinging;
  console.log(`      ping across the restart: ${r.sent} sent, ${r.received} received`);
  assert.ok(r.sent - r.received <= 2, `lost ${r.sent - r.received} packets:\n${r.out}`);
  assert.equal(vtepMac(h, dev), macBefore);
  assert.equal(c.leaseFile(h, network)!.subnet, subnetBefore);
  assert.equal(fs.readFileSync(path.join(h.stateDir, `${network}.vtep-mac`), 'utf8').trim(), macBefore);
  for (const o of others) {
    assert.ok(c.entries(o, dev).fdb.some((f) => f.mac === macBefore && f.dst === h.ip), `host ${o.n} still points at host ${h.n}'s MAC`);
  }
}
