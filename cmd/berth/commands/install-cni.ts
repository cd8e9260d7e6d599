/**
 * `berth install-cni [--bin-dir DIR] [--conf-dir DIR] [--conflist] [--from DIR]`: puts berth's CNI plugins
 * where a kubelet's runtime (containerd, CRI-O) execs them, and optionally a default conflist. A runtime may
 * exec a plugin at any instant of an upgrade, so each executable is written beside its name, fsync'd and
 * renamed over it: an exec sees the old file or the new one, never a half-written one. Executables that are
 * one file at the source (the release's hard links to one multi-call binary) stay one file: the first is
 * written, the others are hard links to it, each put in place by the same rename.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isBerthPlugin } from '../../../lib/cni';
import { fsyncDirectory, writeFileDurable } from '../../../lib/sys';
import { CliError } from '../cli/errors';
import type { CommandDef } from '../registry';

/** berth's CNI plugins, as the runtime execs them by `type`. */
export const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'macvlan', 'overlay', 'portmap'] as const;
/** The default conflist's file name: the runtime takes the first conf file by name. */
export const CONFLIST_NAME = '10-berth.conflist';

/**
 * A kubelet node's usual network: bridge cni0 with host-local addresses, then portmap for hostPort.
 * loopback is left out: containerd and CRI-O run it for every pod themselves.
 */
export const DEFAULT_CONFLIST = {
  cniVersion: '1.0.0',
  name: 'berth',
  plugins: [
    {
      type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: true, hairpinMode: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: '10.88.0.0/16' }]], routes: [{ dst: '0.0.0.0/0' }] },
    },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

/** Puts `existing`'s file under `target` too (a hard link), by rename over `target`. */
async function linkInPlace(existing: string, target: string): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
  try {
    await fs.promises.link(existing, temp);
    await fs.promises.rename(temp, target);
  } finally {
    await fs.promises.rm(temp, { force: true });
  }
  await fsyncDirectory(path.dirname(target));
}

/**
 * Installs every plugin of {@link CNI_PLUGINS} from `from` into `binDir`; returns the paths written.
 * @throws CliError when a source is missing or is not berth's build of that plugin.
 */
export async function installPlugins(from: string, binDir: string): Promise<string[]> {
  for (const name of CNI_PLUGINS) {
    if (!isBerthPlugin(path.join(from, name), name)) throw new CliError(`${path.join(from, name)} is not berth's ${name} plugin (run \`npm run build\`, or unpack the release, and give its directory with --from)`);
  }
  await fs.promises.mkdir(binDir, { recursive: true, mode: 0o755 });
  /** The installed path of each source file, by device and inode. */
  const written = new Map<string, string>();
  const out: string[] = [];
  for (const name of CNI_PLUGINS) {
    const source = path.join(from, name);
    const target = path.join(binDir, name);
    const st = await fs.promises.stat(source);
    const key = `${st.dev}:${st.ino}`;
    const same = written.get(key);
    if (same !== undefined) await linkInPlace(same, target);
    else {
      await writeFileDurable(target, await fs.promises.readFile(source), { mode: 0o755 });
      written.set(key, target);
    }
    out.push(target);
  }
  return out;
}

/** Writes {@link DEFAULT_CONFLIST} into `confDir` unless its file exists; returns whether it wrote it. */
export async function installConflist(confDir: string): Promise<boolean> {
  await fs.promises.mkdir(confDir, { recursive: true, mode: 0o755 });
  try {
    await writeFileDurable(path.join(confDir, CONFLIST_NAME), `${JSON.stringify(DEFAULT_CONFLIST, null, 2)}\n`, { mode: 0o644, exclusive: true });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

const installCni: CommandDef = {
  spec: {
    path: 'install-cni',
    usage: '[OPTIONS]',
    description: "Install berth's CNI plugins (and a default conflist) for a kubelet's container runtime",
    maxArgs: 0,
    flags: [
      { name: 'bin-dir', kind: 'string', defaultText: '/opt/cni/bin', help: 'Directory the runtime execs CNI plugins from' },
      { name: 'conf-dir', kind: 'string', defaultText: '/etc/cni/net.d', help: 'Directory of the runtime\'s CNI network configurations' },
      { name: 'conflist', kind: 'bool', help: `Also write ${CONFLIST_NAME} (bridge + host-local + portmap) unless it exists` },
      { name: 'from', kind: 'string', defaultText: "berth's own directory", help: 'Directory holding the plugins to install' },
    ],
  },
  async run(ctx, args) {
    const dir = (flag: string, fallback: string | undefined): string => {
      const value = args.string(flag) ?? fallback;
      if (value === undefined) throw new CliError(`--${flag} is required: berth does not know its own directory`);
      return path.resolve(ctx.cwd, value);
    };
    const from = dir('from', ctx.executableDir);
    const binDir = dir('bin-dir', '/opt/cni/bin');
    for (const file of await installPlugins(from, binDir)) ctx.out(`installed ${file}\n`);
    if (args.bool('conflist')) {
      const confDir = dir('conf-dir', '/etc/cni/net.d');
      const file = path.join(confDir, CONFLIST_NAME);
      ctx.out((await installConflist(confDir)) ? `wrote ${file}\n` : `kept the existing ${file}\n`);
      const first = (await fs.promises.readdir(confDir)).filter((f) => /\.(conflist|conf|json)$/.test(f)).sort()[0];
      if (first !== CONFLIST_NAME) ctx.err(`note: ${path.join(confDir, first)} sorts first: the runtime uses it, not ${CONFLIST_NAME}\n`);
    }
  },
};

/** The install-cni command. */
export const INSTALL_COMMANDS: readonly CommandDef[] = [installCni];
