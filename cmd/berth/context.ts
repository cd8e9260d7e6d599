/**
 * What every berth command gets: the state directories (from the environment, validated), the
 * caller's environment and working directory, and the process's output streams as functions, so a
 * handler never touches `process` and unit tests capture everything it prints.
 */
import { posix } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { DEFAULT_BERTH_ROOT, DEFAULT_CNI_DIR, DEFAULT_CNI_PATH, DEFAULT_RUN_DIR } from '../../lib/paths';
import { CliError } from './cli/errors';

/** The defaults of every path berth uses (DESIGN: "Where state lives"). */
export const DEFAULTS = {
  root: DEFAULT_BERTH_ROOT,
  run: DEFAULT_RUN_DIR,
  cniDir: DEFAULT_CNI_DIR,
  cgroupParent: 'berth',
  /** Searched after the directory of the berth executable. */
  cniPath: DEFAULT_CNI_PATH,
} as const;

/** The process boundary of one command. */
export interface CliContext {
  /** BERTH_ROOT: containers, volumes, images. */
  readonly root: string;
  /** BERTH_RUN: runtime state (sockets, netns bind mounts). */
  readonly run: string;
  /** BERTH_CNI_DIR: IPAM leases (`networks/`) and the CNI result cache (`results/`). */
  readonly cniDir: string;
  /** BERTH_CGROUP_PARENT: cgroup path (relative) under which containers get their cgroups. */
  readonly cgroupParent: string;
  /** BERTH_CNI_PATH: where CNI plugins are looked up, in order. */
  readonly cniPath: readonly string[];
  /** Directory of the running berth executable, where its CNI plugins were built or unpacked. */
  readonly executableDir?: string;
  /** The caller's environment (`-e KEY` passthrough, BERTH_DEBUG). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The caller's working directory (relative paths such as `--env-file`). */
  readonly cwd: string;
  /** Writes to stdout, exactly the text given. */
  out(text: string): void;
  /** Writes to stderr, exactly the text given. */
  err(text: string): void;
  /** Reads one line of stdin (prompts); undefined at end of input. */
  readLine(): Promise<string | undefined>;
  /** The clock, injectable for golden output. */
  now(): Date;
  /** stdin as a byte stream (`load` without -i); absent in tests that give none. A function: Node opens the stream on first use. */
  readonly stdin?: () => Readable;
  /** stdout as a byte stream (`save` without -o). */
  readonly stdout?: () => Writable;
  /** Whether stdout is a terminal: progress is redrawn in place there, plain lines otherwise. */
  readonly stdoutIsTTY: boolean;
  /** The terminal's width, when stdout is one (progress bars need more than 110 columns). */
  readonly columns?: number;
}

/** An environment variable berth cannot use; the message names it. */
export class ContextError extends CliError {
  readonly variable: string;
  constructor(variable: string, why: string) {
    super(`invalid ${variable}: ${why}`);
    this.name = 'ContextError';
    this.variable = variable;
  }
}

function absolutePath(variable: string, value: string): string {
  if (value.includes('\0')) throw new ContextError(variable, 'contains a NUL byte');
  if (!posix.isAbsolute(value)) throw new ContextError(variable, `${JSON.stringify(value)} is not an absolute path`);
  return posix.normalize(value);
}

function cgroupPath(variable: string, value: string): string {
  if (value.includes('\0')) throw new ContextError(variable, 'contains a NUL byte');
  if (value === '' || posix.isAbsolute(value)) throw new ContextError(variable, `${JSON.stringify(value)} must be a relative cgroup path such as "berth"`);
  // The parent is joined under the cgroup mount: ".." would escape it.
  if (value.split('/').some((p) => p === '..' || p === '.')) throw new ContextError(variable, `${JSON.stringify(value)} must not contain "." or ".." components`);
  return posix.normalize(value).replace(/\/$/, '');
}

/** Inputs of {@link createCliContext}; all but `env` and `cwd` have harmless defaults for tests. */
export interface CliContextOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Directory of the running berth executable (dist/bin, where the plugins are built). */
  readonly executableDir?: string;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
  readonly readLine?: () => Promise<string | undefined>;
  readonly now?: () => Date;
  readonly stdin?: () => Readable;
  readonly stdout?: () => Writable;
  readonly stdoutIsTTY?: boolean;
  readonly columns?: number;
}

/**
 * Builds the context from the environment: BERTH_ROOT, BERTH_RUN, BERTH_CNI_DIR (absolute paths),
 * BERTH_CGROUP_PARENT (relative, no `..`), BERTH_CNI_PATH (colon list of absolute paths; default the
 * executable's directory, then /opt/cni/bin and /usr/lib/cni). An empty variable counts as unset.
 * @throws ContextError naming the variable.
 */
export function createCliContext(opts: CliContextOptions): CliContext {
  const env = opts.env;
  const get = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const root = absolutePath('BERTH_ROOT', get('BERTH_ROOT') ?? DEFAULTS.root);
  const run = absolutePath('BERTH_RUN', get('BERTH_RUN') ?? DEFAULTS.run);
  const cniDir = absolutePath('BERTH_CNI_DIR', get('BERTH_CNI_DIR') ?? DEFAULTS.cniDir);
  const cgroupParent = cgroupPath('BERTH_CGROUP_PARENT', get('BERTH_CGROUP_PARENT') ?? DEFAULTS.cgroupParent);
  const listed = get('BERTH_CNI_PATH');
  const cniPath =
    listed === undefined
      ? [...(opts.executableDir === undefined ? [] : [opts.executableDir]), ...DEFAULTS.cniPath]
      : listed.split(':').filter((p) => p !== '').map((p) => absolutePath('BERTH_CNI_PATH', p));
  return {
    root,
    run,
    cniDir,
    cgroupParent,
    cniPath: [...new Set(cniPath)],
    executableDir: opts.executableDir,
    env,
    cwd: opts.cwd,
    out: opts.out ?? (() => undefined),
    err: opts.err ?? (() => undefined),
    readLine: opts.readLine ?? (async () => undefined),
    now: opts.now ?? (() => new Date()),
    ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
    ...(opts.stdout === undefined ? {} : { stdout: opts.stdout }),
    stdoutIsTTY: opts.stdoutIsTTY === true,
    ...(opts.columns === undefined ? {} : { columns: opts.columns }),
  };
}
