/**
 * `berth pull`, `berth push`, `berth login` and `berth logout`: images to and from registries over
 * the distribution API (lib/runtime/image/image-pull.ts, image-push.ts), with Docker's output.
 * Registries are reached over HTTPS, verified against the system CAs and
 * `$BERTH_CERTS_D/<host:port>/*.crt` (default /etc/berth/certs.d, as /etc/docker/certs.d); plain
 * HTTP only for registries named by `--insecure-registry` or BERTH_INSECURE_REGISTRIES.
 */
import { join } from 'node:path';
import { ImageStore, pullImage, pushImage } from '../../../lib/runtime/image';
import { CredentialStore, DOCKER_HUB, familiarName, parseRegistryRef, RegistryClient, type RegistryOptions } from '../../../lib/runtime/image/registry';
import type { ParsedArgs } from '../cli/args';
import { CliError } from '../cli/errors';
import { PullProgress } from '../cli/pull-progress';
import type { CliContext } from '../context';
import type { CommandDef } from '../registry';

const store = (ctx: CliContext): ImageStore => new ImageStore({ root: ctx.root, now: ctx.now });

const INSECURE_FLAG = { name: 'insecure-registry', kind: 'list', help: 'Reach this registry (host[:port]) over plain HTTP or unverified HTTPS (also BERTH_INSECURE_REGISTRIES, comma-separated)' } as const;

const QUIET_FLAG = { name: 'quiet', short: 'q', kind: 'bool', help: 'Suppress verbose output' } as const;

/** Per-layer progress on stdout: redrawn on a terminal, plain lines otherwise. */
const progressView = (ctx: CliContext): PullProgress =>
  new PullProgress({ write: ctx.out, isTTY: ctx.stdoutIsTTY, ...(ctx.columns === undefined ? {} : { columns: ctx.columns }) });

/** Where `berth login` keeps credentials: `$BERTH_CONFIG/config.json`, default ~/.berth (Docker's config.json format). */
export function credentialsPath(ctx: CliContext): string {
  const dir = ctx.env.BERTH_CONFIG || join(ctx.env.HOME || '/root', '.berth');
  return join(dir, 'config.json');
}

function registryOptions(ctx: CliContext, args: ParsedArgs): RegistryOptions {
  const insecure = [...args.list('insecure-registry'), ...(ctx.env.BERTH_INSECURE_REGISTRIES ?? '').split(',')].map((s) => s.trim()).filter((s) => s !== '');
  return {
    insecureRegistries: insecure,
    certsDir: ctx.env.BERTH_CERTS_D || '/etc/berth/certs.d',
    credentials: new CredentialStore(credentialsPath(ctx)),
    userAgent: 'berth/0.1',
  };
}

const pull: CommandDef = {
  spec: {
    path: 'image pull',
    aliases: ['pull'],
    usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
    description: 'Download an image from a registry (linux/amd64 from a multi-platform image)',
    minArgs: 1,
    maxArgs: 1,
    flags: [INSECURE_FLAG, QUIET_FLAG],
  },
  async run(ctx, args) {
    const input = args.positionals[0]!;
    const ref = parseRegistryRef(input);
    const quiet = args.bool('quiet');
    if (!quiet && ref.digest === undefined && !/:[^/]*$/.test(input)) ctx.out('Using default tag: latest\n');
    if (!quiet) ctx.out(`${ref.digest ?? ref.tag}: Pulling from ${ref.repository}\n`);
    const view = progressView(ctx);
    const result = await pullImage(store(ctx), input, { ...registryOptions(ctx, args), ...(quiet ? {} : { onEvent: (e) => view.update(e) }) });
    if (!quiet) {
      view.message(`Digest: ${result.digest}`);
      const named = result.tag ?? `${familiarName(ref)}@${result.digest}`;
      view.message(`Status: ${result.updated ? 'Downloaded newer image' : 'Image is up to date'} for ${named}`);
    }
    ctx.out(`${result.canonical}\n`);
  },
};

const push: CommandDef = {
  spec: {
    path: 'image push',
    aliases: ['push'],
    usage: '[OPTIONS] NAME[:TAG]',
    description: 'Upload an image to a registry',
    minArgs: 1,
    maxArgs: 1,
    flags: [INSECURE_FLAG, QUIET_FLAG],
  },
  async run(ctx, args) {
    const input = args.positionals[0]!;
    const ref = parseRegistryRef(input);
    const quiet = args.bool('quiet');
    if (!quiet) ctx.out(`The push refers to repository [${ref.registry}/${ref.repository}]\n`);
    const view = progressView(ctx);
    const result = await pushImage(store(ctx), input, { ...registryOptions(ctx, args), ...(quiet ? {} : { onEvent: (e) => view.update(e) }) });
    ctx.out(quiet ? `${input}\n` : `${result.tag}: digest: ${result.digest} size: ${result.size}\n`);
  },
};

const login: CommandDef = {
  spec: {
    path: 'login',
    usage: '[OPTIONS] [SERVER]',
    description: 'Log in to a registry (credentials are checked against it, then kept in $BERTH_CONFIG/config.json)',
    maxArgs: 1,
    flags: [
      INSECURE_FLAG,
      { name: 'password', short: 'p', kind: 'string', help: 'Password' },
      { name: 'password-stdin', kind: 'bool', help: 'Take the password from stdin' },
      { name: 'username', short: 'u', kind: 'string', help: 'Username' },
    ],
  },
  async run(ctx, args) {
    const server = normaliseServer(args.positionals[0] ?? DOCKER_HUB);
    let username = args.string('username');
    let password = args.string('password');
    if (args.bool('password-stdin')) {
      if (password !== undefined) throw new CliError('--password and --password-stdin are mutually exclusive');
      if (username === undefined) throw new CliError('Must provide --username with --password-stdin');
      password = (await ctx.readLine())?.replace(/\r$/, '');
    } else if (password !== undefined) {
      ctx.err('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    }
    if (username === undefined) {
      ctx.out('Username: ');
      username = (await ctx.readLine())?.trim();
    }
    if (password === undefined) {
      ctx.out('Password: ');
      password = await ctx.readLine();
    }
    if (!username) throw new CliError('Error: Non-null Username Required');
    if (!password) throw new CliError('Error: Non-null Password Required');
    const opts = registryOptions(ctx, args);
    // Checked with the new credentials before they replace anything stored.
    const trying = { username, password };
    const client = new RegistryClient(server, { ...opts, credentials: { get: async () => trying } });
    try {
      await client.ping();
    } finally {
      client.close();
    }
    await new CredentialStore(credentialsPath(ctx)).set(server, username, password);
    ctx.out('Login Succeeded\n');
  },
};

const logout: CommandDef = {
  spec: {
    path: 'logout',
    usage: '[SERVER]',
    description: 'Log out from a registry',
    maxArgs: 1,
    flags: [],
  },
  async run(ctx, args) {
    const server = normaliseServer(args.positionals[0] ?? DOCKER_HUB);
    const removed = await new CredentialStore(credentialsPath(ctx)).remove(server);
    ctx.out(removed ? `Removing login credentials for ${server}\n` : `Not logged in to ${server}\n`);
  },
};

/** `https://host:5000/` and `host:5000` name the same registry. */
function normaliseServer(server: string): string {
  const bare = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (bare === '' || /[\s@]/.test(bare)) throw new CliError(`invalid registry ${JSON.stringify(server)}`);
  return bare === 'index.docker.io' || bare === 'registry-1.docker.io' ? DOCKER_HUB : bare;
}

/** The commands of this file. */
export const IMAGE_REGISTRY_COMMANDS: readonly CommandDef[] = [pull, push, login, logout];
