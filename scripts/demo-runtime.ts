// The quick start's second part: the `berth` CLI running real containers, Docker-style, against
// throwaway state. berth runs inside a "node" netns (so its bridge, veths and masquerade rules land
// there, not on this machine's network), with BERTH_ROOT/RUN/CNI_DIR in a temp dir and its own cgroup
// parent. It makes the busybox image, runs two containers on the default `bridge` network, pings one
// from the other, shows `ps` and `network inspect bridge`, removes both, then loads and runs the
// committed docker-save fixture, and checks nothing is left.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { createNamedNetns, deleteNamedNetns } from '../lib/netns';
import { MNT_DETACH, umount2 } from '../lib/sys';

const BERTH = path.resolve(__dirname, '..', 'dist', 'bin', 'berth');
const tag = process.pid.toString(36);

function main(): void {
  if (process.getuid?.() !== 0) throw new Error('the demo needs root (namespaces, cgroups, mounts)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-demo-runtime-'));
  const nsName = `berth-demo-rt-${tag}`;
  const ns = createNamedNetns(nsName);
  ns.close();
  const env = {
    ...process.env,
    BERTH_ROOT: path.join(dir, 'root'), BERTH_RUN: path.join(dir, 'run'), BERTH_CNI_DIR: path.join(dir, 'cni'), BERTH_CGROUP_PARENT: `berth-demo-${tag}`,
  };
  const run = (quiet: boolean, args: string[]): string => {
    if (!quiet) console.log(`$ berth ${args.join(' ')}`);
    const res = spawnSync('nsenter', [`--net=/run/netns/${nsName}`, BERTH, ...args], { env, encoding: 'utf8' });
    const out = `${res.stdout}${res.stderr}`.trimEnd();
    if (out && !quiet) console.log(out.replace(/^/gm, '  '));
    if (res.status !== 0) throw new Error(`berth ${args[0]} exited ${res.status}`);
    return res.stdout.trim();
  };
  const berth = (...args: string[]): string => run(false, args);
  const quietly = (...args: string[]): string => run(true, args);
  try {
    berth('image', 'busybox');
    berth('run', '-d', '--name', 'web', '-m', '64m', '--pids-limit', '100', 'busybox', 'httpd', '-f', '-p', '80', '-h', '/etc');
    berth('run', '-d', '--name', 'client', 'busybox', 'sleep', '300');
    berth('ps');
    const ip = quietly('inspect', 'web').match(/"IPAddress": "([\d.]+)"/)?.[1];
    if (ip === undefined) throw new Error('no IP address in `berth inspect web`');
    berth('exec', 'client', 'ping', '-c', '2', '-W', '2', ip);
    berth('exec', 'client', 'wget', '-q', '-O', '-', `http://${ip}/hostname`);
    berth('network', 'inspect', 'bridge');
    berth('rm', '-f', 'web', 'client');
    berth('ps', '-a');
    // A real image: the committed `docker save` archive (two layers, a whiteout, an opaque dir).
    berth('load', '-i', path.resolve(__dirname, '..', 'test', 'fixtures', 'images', 'berth-fixture.docker.tar'));
    berth('images');
    berth('run', '--rm', '--network', 'none', 'berth-fixture:1.0');
  } finally {
    spawnSync('nsenter', [`--net=/run/netns/${nsName}`, BERTH, 'rm', '-f', 'web', 'client'], { env, stdio: 'ignore' });
    deleteNamedNetns(nsName);
    for (const mount of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir))) {
      try { umount2(mount!, MNT_DETACH); } catch { /* gone */ }
    }
    fs.rmSync(dir, { recursive: true, force: true });
    for (const ctrl of fs.readdirSync('/sys/fs/cgroup')) {
      try { fs.rmdirSync(path.join('/sys/fs/cgroup', ctrl, env.BERTH_CGROUP_PARENT)); } catch { /* not there */ }
    }
  }
  console.log('\nboth containers removed: no cgroup, netns, veth, lease or rule left');
}

try {
  main();
} catch (err) {
  console.error(`runtime demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
