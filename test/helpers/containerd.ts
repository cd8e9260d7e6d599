// A private containerd (Debian's containerd 1.6, with its CRI plugin) for the kubelet-path test: its
// own root, state, socket, CNI bin and conf dirs under one throwaway directory, started inside a test
// "host" netns, so that the bridge, veths and firewall rules the CNI plugins make land there and go
// with it. A sandbox image is built locally (there is no registry): Debian's static busybox sleeping.
// A CRI client speaks runtime.v1 over the unix socket the way the kubelet does.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { withNetns } from '../../lib/netns';
import type { TestNetns } from './netns';

export const CONTAINERD_BIN = '/usr/bin/containerd';
export const CTR_BIN = '/usr/bin/ctr';
export const BUSYBOX = '/bin/busybox';
export const SANDBOX_IMAGE = 'berth.test/pause:1';

const live = new Set<ChildProcess>();
process.once('exit', () => { for (const c of live) c.kill('SIGKILL'); });

/** A running private containerd. */
export interface TestContainerd {
  readonly dir: string;
  readonly socket: string;
  /** The CNI plugin directory (CNI_PATH) and the conflist directory containerd reads. */
  readonly cniBin: string;
  readonly cniConf: string;
  readonly cri: CriClient;
  /** Stops containerd (SIGTERM) and waits; its state stays for a restart. */
  stop(): Promise<void>;
  /** Starts it again on the same state; resolves when the CRI answers. */
  start(): Promise<void>;
  /** Stops it, unmounts what is left under its root and removes the directory. */
  destroy(): Promise<void>;
}

/** Starts containerd in `host` with `plugins` (a directory whose files become CNI_PATH) and `conflist`. */
export async function startContainerd(host: TestNetns, plugins: string, conflist: object): Promise<TestContainerd> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-ctrd-'));
  const socket = path.join(dir, 'containerd.sock');
  const cniBin = path.join(dir, 'cni-bin');
  const cniConf = path.join(dir, 'cni-conf');
  fs.cpSync(plugins, cniBin, { recursive: true, verbatimSymlinks: true });
  fs.mkdirSync(cniConf);
  fs.writeFileSync(path.join(cniConf, '10-berth.conflist'), JSON.stringify(conflist, null, 2));
  fs.writeFileSync(path.join(dir, 'config.toml'), configToml(dir, cniBin, cniConf));
  let child: ChildProcess | undefined;
  const logFile = path.join(dir, 'containerd.log');
  const start = async () => {
    const log = fs.openSync(logFile, 'a');
    child = withNetns(host, () => spawn(CONTAINERD_BIN, ['--config', path.join(dir, 'config.toml')], { stdio: ['ignore', log, log] }));
    fs.closeSync(log);
    live.add(child);
    child.once('exit', () => live.delete(child!));
    await waitForCri(socket, logFile);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child?.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  const cri = new CriClient(socket);
  await importSandboxImage(dir, socket);
  return {
    dir, socket, cniBin, cniConf, cri, start, stop,
    async destroy() {
      // Pods a failed test left running: their shims, netns and cgroups would outlive containerd.
      if (child && child.exitCode === null) {
        for (const id of await cri.listPodSandboxIds().catch(() => [] as string[])) {
          await cri.stopPodSandbox(id).catch(() => undefined);
          await cri.removePodSandbox(id).catch(() => undefined);
        }
      }
      cri.close();
      await stop();
      // A shim of this containerd that is still there (its -address names our socket) is killed.
      const shims = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('containerd-shim') && l.includes(socket));
      for (const line of shims) process.kill(Number(line.trim().split(/\s+/)[0]), 'SIGKILL');
      // Mounts containerd left (snapshots of a killed run, its own /run bind) go before the directory.
      const mounts = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(dir)).sort().reverse();
      for (const m of mounts) execFileSync('umount', ['-l', m]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function configToml(dir: string, cniBin: string, cniConf: string): string {
  return `version = 2
root = "${dir}/root"
state = "${dir}/state"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "${dir}/containerd.sock"
[ttrpc]
  address = "${dir}/containerd.sock.ttrpc"
[debug]
  address = "${dir}/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "${dir}/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${SANDBOX_IMAGE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # A sandbox asks for oom_score_adj -998; a machine that does not let us lower ours (a container, a
  # VM sandbox) refuses it, and this clamps it to containerd's own, as kind and rootless setups do.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${cniBin}"
    conf_dir = "${cniConf}"
    max_conf_num = 1
`;
}

async function waitForCri(socket: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (fs.existsSync(socket)) {
      const probe = new CriClient(socket);
      try {
        await probe.version();
        return;
      } catch {
        // the CRI plugin starts after the socket exists
      } finally {
        probe.close();
      }
    }
    if (Date.now() > deadline) throw new Error(`containerd did not answer on ${socket}:\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}`);
    await sleep(100);
  }
}

/**
 * The sandbox ("pause") image, as a docker-archive tarball imported with ctr: one layer holding the
 * static busybox, whose entrypoint sleeps for ever. Built with tar(1): test set-up only.
 */
async function importSandboxImage(dir: string, socket: string): Promise<void> {
  const work = path.join(dir, 'image');
  const rootfs = path.join(work, 'rootfs');
  fs.mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
  fs.copyFileSync(BUSYBOX, path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  execFileSync('tar', ['-C', rootfs, '-cf', path.join(work, 'layer.tar'), '.']);
  const diffId = `sha256:${execFileSync('sha256sum', [path.join(work, 'layer.tar')], { encoding: 'utf8' }).split(' ')[0]}`;
  const config = {
    architecture: 'amd64', os: 'linux',
    config: { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'], WorkingDir: '/' },
    rootfs: { type: 'layers', diff_ids: [diffId] },
  };
  fs.writeFileSync(path.join(work, 'config.json'), JSON.stringify(config));
  fs.writeFileSync(path.join(work, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: [SANDBOX_IMAGE], Layers: ['layer.tar'] }]));
  execFileSync('tar', ['-C', work, '-cf', path.join(dir, 'pause.tar'), 'config.json', 'manifest.json', 'layer.tar']);
  execFileSync(CTR_BIN, ['--address', socket, '-n', 'k8s.io', 'images', 'import', path.join(dir, 'pause.tar')], { stdio: 'pipe' });
  fs.rmSync(work, { recursive: true, force: true });
}

/** What RunPodSandbox is asked for. */
export interface PodSpec {
  name: string;
  uid: string;
  namespace?: string;
  portMappings?: { protocol: 'TCP' | 'UDP' | 'SCTP'; containerPort: number; hostPort: number; hostIp?: string }[];
  cgroupParent?: string;
}

type Unary = (req: object, cb: (err: grpc.ServiceError | null, res: any) => void) => void;

/** A CRI RuntimeService client over containerd's unix socket, as the kubelet dials it. */
export class CriClient {
  readonly #client: grpc.Client & Record<string, Unary>;

  constructor(socket: string) {
    const def = protoLoader.loadSync(path.join(__dirname, 'cri', 'runtime.proto'), { keepCase: false, longs: Number, enums: String, defaults: true });
    const pkg = grpc.loadPackageDefinition(def) as any;
    this.#client = new pkg.runtime.v1.RuntimeService(`unix://${socket}`, grpc.credentials.createInsecure());
  }

  #call(method: string, req: object): Promise<any> {
    return new Promise((resolve, reject) => {
      this.#client[method]!.call(this.#client, req, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    return this.#call('Version', { version: 'v1' });
  }

  async runPodSandbox(pod: PodSpec): Promise<string> {
    const res = await this.#call('RunPodSandbox', {
      config: {
        metadata: { name: pod.name, uid: pod.uid, namespace: pod.namespace ?? 'default', attempt: 0 },
        hostname: pod.name,
        portMappings: pod.portMappings ?? [],
        linux: { cgroupParent: pod.cgroupParent ?? '' },
      },
    });
    return res.podSandboxId;
  }

  /** The pod's status, its IP, and the netns path containerd made (from the verbose info). */
  async podSandboxStatus(id: string): Promise<{ state: string; ip: string; additionalIps: string[]; netns: string | undefined }> {
    const res = await this.#call('PodSandboxStatus', { podSandboxId: id, verbose: true });
    const info = res.info?.info ? JSON.parse(res.info.info) : {};
    const netns = (info.runtimeSpec?.linux?.namespaces ?? []).find((n: { type: string; path?: string }) => n.type === 'network')?.path;
    return { state: res.status.state, ip: res.status.network?.ip ?? '', additionalIps: (res.status.network?.additionalIps ?? []).map((p: { ip: string }) => p.ip), netns };
  }

  async listPodSandboxIds(): Promise<string[]> {
    return ((await this.#call('ListPodSandbox', {})).items ?? []).map((p: { id: string }) => p.id);
  }

  async stopPodSandbox(id: string): Promise<void> { await this.#call('StopPodSandbox', { podSandboxId: id }); }
  async removePodSandbox(id: string): Promise<void> { await this.#call('RemovePodSandbox', { podSandboxId: id }); }

  close(): void { this.#client.close(); }
}
