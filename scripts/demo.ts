// The quick start's demo: berth's CNI plugins doing a runtime's job in throwaway namespaces. A "node"
// netns plays the host; two "container" netns are attached to it by berth's `bridge` plugin, exec'd
// exactly as containerd or cnitool exec it (config on stdin, CNI_* in the environment), with
// addresses from berth's `host-local` and masquerade rules. Then one container pings the other, CHECK
// confirms both attachments, DEL removes them, and everything is gone at the end, also on failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createNamedNetns, deleteNamedNetns, withNetns, type Netns } from '../lib/netns';
import { NetlinkHandle, linkList } from '../lib/netlink';

const BIN = path.resolve(__dirname, '..', 'dist', 'bin');
const tag = process.pid.toString(36);

/** Runs a plugin with the main thread in `node`, so the plugin sees that netns as its host. */
function cni(node: Netns, command: string, containerId: string, netns: string, conf: object): { code: number | null; out: string } {
  const env = { PATH: process.env.PATH, CNI_COMMAND: command, CNI_CONTAINERID: containerId, CNI_NETNS: netns, CNI_IFNAME: 'eth0', CNI_PATH: BIN };
  const run = withNetns(node, () => spawnSync(path.join(BIN, 'bridge'), [], { env, input: JSON.stringify(conf), encoding: 'utf8' }));
  if (run.error) throw run.error;
  return { code: run.status, out: run.stdout.trim() };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the demo needs root (network namespaces)');
  if (!fs.existsSync(path.join(BIN, 'bridge'))) throw new Error('dist/bin/bridge is missing: run `npm run build`');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-demo-'));
  const conf = {
    cniVersion: '1.1.0', name: 'demo', type: 'bridge', bridge: 'berth0', isGateway: true, ipMasq: true,
    ipam: { type: 'host-local', subnet: '10.77.0.0/24', dataDir },
  };
  const cleanup: (() => void)[] = [() => fs.rmSync(dataDir, { recursive: true, force: true })];
  const netns = (role: string): Netns => {
    const name = `berth-demo-${role}-${tag}`;
    const ns = createNamedNetns(name);
    cleanup.unshift(() => { ns.close(); deleteNamedNetns(name); });
    return ns;
  };
  try {
    const node = netns('node');
    const containers = ['a', 'b'].map((id) => ({ id: `demo-${id}-${tag}`, ns: netns(id), ip: '', result: {} as object }));
    for (const c of containers) {
      const add = cni(node, 'ADD', c.id, c.ns.path, conf);
      if (add.code !== 0) throw new Error(`bridge ADD failed: ${add.out}`);
      cleanup.unshift(() => void cni(node, 'DEL', c.id, c.ns.path, conf));
      const result = JSON.parse(add.out) as { ips: { address: string }[] };
      c.result = result;
      c.ip = result.ips[0].address.split('/')[0];
      console.log(`bridge ADD ${c.id} (netns ${c.ns.path}):\n${add.out.replace(/^/gm, '  ')}`);
    }

    const nl = NetlinkHandle.open(node);
    const links = await linkList(nl);
    nl.close();
    console.log(`\nlinks in the node netns: ${links.map((l) => `${l.name} (${l.kind})`).join(', ')}`);
    const rules = withNetns(node, () => spawnSync('iptables-save', ['-t', 'nat'], { encoding: 'utf8' })).stdout;
    console.log(`masquerade chains: ${rules.split('\n').filter((l) => l.startsWith(':CNI-')).length}`);

    const [a, b] = containers;
    const ping = withNetns(a.ns, () => spawnSync('ping', ['-c', '3', '-i', '0.2', '-W', '2', b.ip], { encoding: 'utf8' }));
    if (ping.error) throw new Error(`cannot run ping: ${ping.error.message}`);
    console.log(`\nping from ${a.id} to ${b.ip}:\n${ping.stdout.trim().replace(/^/gm, '  ')}`);
    if (ping.status !== 0) throw new Error(`ping failed: ${ping.stderr}`);

    for (const c of containers) {
      const check = cni(node, 'CHECK', c.id, c.ns.path, { ...conf, prevResult: c.result });
      console.log(`bridge CHECK ${c.id}: ${check.code === 0 ? 'ok' : check.out}`);
    }
  } finally {
    for (const step of cleanup) {
      try { step(); } catch (err) { console.error(`cleanup: ${String(err)}`); }
    }
    console.log('\nDEL done for both containers; namespaces, links, rules and leases removed');
  }
}

main().catch((err) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
