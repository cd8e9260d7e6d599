// The quick start's demo: a small container network built from throwaway namespaces with berth's own
// libraries. A "node" netns holds a bridge; two "container" netns are attached to it by veth pairs whose
// container ends are created straight inside them; berth's host-local plugin leases their addresses,
// exec'd exactly as a runtime execs a CNI plugin; then one container pings the other. Everything is
// removed at the end, also when a step fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createNamedNetns, deleteNamedNetns, withNetns, type Netns } from '../lib/netns';
import { NetlinkHandle, addrAdd, addrList, linkAdd, linkByName, linkSetUp, routeAdd, routeList } from '../lib/netlink';
import { delegateAdd, delegateDel, type Result } from '../lib/cni';

const BIN = path.resolve(__dirname, '..', 'dist', 'bin');
const SUBNET = '10.77.0.0/24';
const tag = process.pid.toString(36);

function say(line: string): void {
  console.log(line);
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the demo needs root (network namespaces)');
  if (!fs.existsSync(path.join(BIN, 'host-local'))) throw new Error('dist/bin/host-local is missing: run `npm run build`');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-demo-'));
  const cleanup: (() => unknown)[] = [() => fs.rmSync(dataDir, { recursive: true, force: true })];
  try {
    const node = track(cleanup, createNamedNetns(`berth-demo-node-${tag}`), `berth-demo-node-${tag}`);
    const nodeNl = NetlinkHandle.open(node);
    cleanup.unshift(() => nodeNl.close());

    await linkAdd(nodeNl, { kind: 'bridge', name: 'berth0' });
    const bridge = await linkByName(nodeNl, 'berth0');
    await addrAdd(nodeNl, bridge.index, { cidr: '10.77.0.1/24' });
    await linkSetUp(nodeNl, bridge.index);
    say(`node netns ${node.path}: bridge berth0 (index ${bridge.index}) with 10.77.0.1/24`);

    const containers: { name: string; ns: Netns; ip: string }[] = [];
    for (const id of ['a', 'b']) {
      const name = `berth-demo-${id}-${tag}`;
      const ns = track(cleanup, createNamedNetns(name), name);
      const ip = await attach(nodeNl, bridge.index, ns, name, dataDir, cleanup);
      containers.push({ name, ns, ip });
    }

    const [a, b] = containers;
    say(`\nping from ${a.name} to ${b.ip}:`);
    // A child spawned while the main thread sits in a netns is born there.
    const ping = withNetns(a.ns, () => spawnSync('ping', ['-c', '3', '-i', '0.2', '-W', '2', b.ip], { encoding: 'utf8' }));
    if (ping.error) throw new Error(`cannot run ping: ${ping.error.message}`);
    say(ping.stdout.trim().split('\n').map((l) => `  ${l}`).join('\n'));
    if (ping.status !== 0) throw new Error(`ping failed: ${ping.stderr}`);

    say(`\nleases written by host-local in ${dataDir}/demo:`);
    for (const f of fs.readdirSync(path.join(dataDir, 'demo')).sort()) say(`  ${f}`);
  } finally {
    for (const step of cleanup) {
      try { await step(); } catch (err) { console.error(`cleanup: ${String(err)}`); }
    }
    say('\ncleaned up: namespaces, links and leases removed');
  }
}

/** Attaches one container: veth pair (container end created in its netns), lease, address, route. */
async function attach(nodeNl: NetlinkHandle, bridgeIndex: number, ns: Netns, name: string, dataDir: string, cleanup: (() => unknown)[]): Promise<string> {
  const hostVeth = `veth${name.split('-')[2]}${tag}`.slice(0, 15);
  await linkAdd(nodeNl, { kind: 'veth', name: hostVeth, masterIndex: bridgeIndex, peer: { name: 'eth0', netnsFd: ns.fd } });
  await linkSetUp(nodeNl, (await linkByName(nodeNl, hostVeth)).index);

  const conf = { cniVersion: '1.1.0', name: 'demo', type: 'host-local', ipam: { type: 'host-local', subnet: SUBNET, dataDir } };
  const env = { CNI_COMMAND: 'ADD', CNI_CONTAINERID: name, CNI_NETNS: ns.path, CNI_IFNAME: 'eth0', CNI_PATH: BIN, PATH: process.env.PATH };
  const stdin = Buffer.from(JSON.stringify(conf));
  const result = (await delegateAdd('host-local', stdin, env, [BIN])) as Result;
  cleanup.unshift(() => delegateDel('host-local', stdin, { ...env, CNI_COMMAND: 'DEL' }, [BIN]));
  const { address, gateway } = result.ips![0];

  const nl = NetlinkHandle.open(ns);
  try {
    const eth0 = await linkByName(nl, 'eth0');
    await addrAdd(nl, eth0.index, { cidr: address });
    await linkSetUp(nl, eth0.index);
    await linkSetUp(nl, (await linkByName(nl, 'lo')).index);
    await routeAdd(nl, { dst: 'default', gw: gateway, index: eth0.index });
    const addrs = (await addrList(nl, { index: eth0.index })).map((x) => x.cidr).join(', ');
    const routes = (await routeList(nl, { family: 2 })).map((r) => `${r.dst}${r.gw ? ` via ${r.gw}` : ''}`).join(', ');
    say(`${name}: eth0 ${addrs} (lease from host-local, gateway ${gateway}); routes: ${routes}; host side ${hostVeth}`);
  } finally {
    nl.close();
  }
  return address.split('/')[0];
}

function track(cleanup: (() => unknown)[], ns: Netns, name: string): Netns {
  cleanup.unshift(() => { ns.close(); deleteNamedNetns(name); });
  return ns;
}

main().catch((err) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
