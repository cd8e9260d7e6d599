/**
 * Starts a container's init (dist/bin/berth-init) in the right PID namespace and hands it its spec.
 *
 * Node has no pre-exec hook, so the PID namespace is chosen on the main thread around spawn(): libuv
 * forks from the main thread and the child is born in that thread's `pid_for_children`. For `run` a
 * fresh namespace (the init becomes its PID 1), for `exec` the container's. The thread switches back
 * at once, synchronously (research C5: a dead PID namespace left as pid_for_children makes every
 * later fork fail with ENOMEM).
 *
 * Then the protocol: the child waits for its spec (`run` spawns it early, prestartInit, so that its
 * Node start-up overlaps the container's preparation); we first put it into the cgroups (so nothing
 * the user runs is ever outside its limits), then write the spec; the init answers with a failure line,
 * or with EXEC_MARK and then end-of-file when its execve succeeded (the socket is close-on-exec).
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { CLONE_NEWPID, setns, unshare } from '../../sys';
import { EXEC_MARK, type InitFailure, type InitSpec } from '../init/spec';
import { RELAY_ARG, RELAY_PID_PREFIX } from '../init/pid-ns-relay';
import { programPath } from './program-path';

/** Where the init starts and what it inherits. */
export interface SpawnInitOptions {
  /** Path of the berth-init executable (a Node launcher). */
  readonly initPath: string;
  readonly spec: InitSpec;
  /** stdin, stdout, stderr of the container's process. */
  readonly stdio: readonly ('inherit' | 'ignore' | 'pipe' | number)[];
  /** Called with the child's host PID before the spec is sent: put it into the cgroups here. */
  readonly beforeStart: (pid: number) => void;
  /**
   * Receives the output of 'pipe' stdout/stderr from the moment of the spawn. It must be attached
   * then: when a child exits, Node resumes (and so discards) stdio streams nobody reads, so a
   * command that exits at once would lose its output to any later listener.
   */
  readonly output?: (stream: 'stdout' | 'stderr', chunk: Buffer) => void;
}

/** The init failed before execve; `failure` is its own report. */
export class InitError extends Error {
  readonly failure: InitFailure;
  constructor(failure: InitFailure) {
    super(failure.step === 'find the command' || failure.step === 'execve' ? failure.error : `${failure.step}: ${failure.error}`);
    this.name = 'InitError';
    this.failure = failure;
  }
}

let ownPidNs: number | undefined;

/** Where an init in a user namespace finds the koffi addon (scripts/templates/loader.cjs). */
export const ADDON_FD_ENV = 'BERTH_ADDON_FD';
/** The fd it is passed as: after stdin, stdout, stderr and the sync socket. */
export const ADDON_FD = 4;

/**
 * Opens the koffi addon this process loaded, for an init in a user namespace: there host root's
 * files show as the overflow uid, so the loader's ownership checks cannot vouch for the cache; a
 * descriptor opened by us can. Undefined when koffi came from node_modules (tests under tsx).
 */
function openAddon(): number | undefined {
  const file = (globalThis as Record<symbol, unknown>)[Symbol.for('berth.addonFile')];
  return typeof file === 'string' ? openSync(file, 'r') : undefined;
}

/** Spawns `fn`'s child with pid_for_children set by `enter`, restoring ours right after. */
function spawnInPidNs(enter: () => void, fn: () => ChildProcess): ChildProcess {
  ownPidNs ??= openSync('/proc/self/ns/pid', 'r');
  enter();
  try {
    return fn();
  } finally {
    // Failing to come back would leave every later child of this process in the container's
    // namespace: not survivable.
    try {
      setns(ownPidNs, CLONE_NEWPID, 'own pid namespace');
    } catch (err) {
      process.stderr.write(`berth: cannot return to its own PID namespace: ${String(err)}\n`);
      process.abort();
    }
  }
}

/** A started container process. */
export interface StartedInit {
  readonly child: ChildProcess;
  /** Host PID. */
  readonly pid: number;
  /** Settles when the process has exited (captured from the spawn on, so a quick exit is never missed). */
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Settles once piped stdout and stderr are closed (all output delivered). */
  readonly outputDone: Promise<void>;
}

function consume(stream: Readable | null, name: 'stdout' | 'stderr', sink: SpawnInitOptions['output']): Promise<void> {
  if (stream === null) return Promise.resolve();
  return new Promise((resolve) => {
    if (sink) stream.on('data', (chunk: Buffer) => sink(name, chunk));
    else stream.resume();
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
}

/**
 * Where an init is born: a fresh PID namespace (`run`, it becomes PID 1), a running container's
 * (`exec`), or ours (`relay`: a user namespace container's relay makes the PID namespace itself,
 * init/pid-ns-relay.ts).
 */
export type InitPidNs = { readonly mode: 'run' } | { readonly mode: 'exec'; readonly pid: number } | { readonly mode: 'relay' };

/**
 * A user namespace the init enters before Node starts (userns.ts): nsenter joins `netns` (when
 * given) while still privileged on the host, then `user`, becomes root there and execs the init.
 */
export interface InitUserns {
  /** The user namespace file (`/proc/<pid>/ns/user`). */
  readonly user: string;
  /** The network namespace file to join first. */
  readonly netns?: string;
}

/** What an init needs before its spec: the options of spawnInit without the spec and the cgroup hook. */
export type PrestartOptions = Omit<SpawnInitOptions, 'spec' | 'beforeStart'> & { readonly pidNs: InitPidNs; readonly userns?: InitUserns };

/** The program and arguments that start the init: node itself, or through nsenter into a user namespace. */
export function initCommand(initPath: string, userns: InitUserns | undefined, relay: boolean): [string, string[]] {
  const init = relay ? [initPath, RELAY_ARG, initPath] : [initPath];
  if (userns === undefined) return [process.execPath, init];
  // -F: no fork (the PID we spawn must be the init's); the netns before the user namespace (nsenter's
  // own order: every other namespace first, the user namespace last, when it deprivileges).
  return [programPath('nsenter'), ['-F', ...(userns.netns === undefined ? [] : [`--net=${userns.netns}`]), `--user=${userns.user}`, '--', process.execPath, ...init]];
}

/** An init that is starting (or waiting) for its spec: Node's start-up runs meanwhile. */
export interface PendingInit {
  /**
   * Puts the init into its cgroups (`beforeStart`), sends the spec and resolves once the user's
   * command runs; rejects with InitError (the child reaped) when a step failed or the init died.
   * Called at most once.
   */
  start(spec: InitSpec, beforeStart: (pid: number) => void): Promise<StartedInit>;
  /** Kills an init that was never started, and waits for it to be reaped. Idempotent. */
  abort(): Promise<void>;
}

/**
 * Spawns the init now and lets it start up while the caller prepares the container (cgroup, netns,
 * CNI ADD): its Node start-up costs no wall time of its own then. Nothing user-defined runs before
 * start(): the init only reads its spec, and the spec comes after the cgroup join.
 */
export function prestartInit(opts: PrestartOptions): PendingInit {
  const ns = opts.pidNs;
  const enter = ns.mode === 'run'
    ? () => unshare(CLONE_NEWPID)
    : ns.mode === 'exec'
      ? () => {
        const fd = openSync(`/proc/${ns.pid}/ns/pid`, 'r');
        try { setns(fd, CLONE_NEWPID, `pid namespace of ${ns.pid}`); } finally { closeSync(fd); }
      }
      : undefined;
  const relay = ns.mode === 'relay';
  const [program, args] = initCommand(opts.initPath, opts.userns, relay);
  // An empty environment: the user's env goes to execve from the spec, and nothing of ours (say
  // NODE_OPTIONS) should shape the init's own Node.
  const addon = opts.userns === undefined ? undefined : openAddon();
  const doSpawn = () => spawn(program, args, {
    stdio: [...opts.stdio, 'pipe', ...(addon === undefined ? [] : [addon])] as StdioOptions,
    env: addon === undefined ? {} : { [ADDON_FD_ENV]: String(ADDON_FD) },
  });
  let child: ChildProcess;
  try {
    child = enter === undefined ? doSpawn() : spawnInPidNs(enter, doSpawn);
  } finally {
    if (addon !== undefined) closeSync(addon);
  }
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const outputDone = Promise.all([consume(child.stdout, 'stdout', opts.output), consume(child.stderr, 'stderr', opts.output)]).then(() => {});
  const spawnFailed = new Promise<never>((_, reject) => child.once('error', reject));
  spawnFailed.catch(() => {}); // observed in start(); an init aborted before start() must not leave it unhandled
  const spawned = Promise.race([new Promise<void>((resolve) => child.once('spawn', resolve)), spawnFailed]);
  spawned.catch(() => {});
  let started = false;
  const abort = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (child.pid !== undefined) await exit;
  };
  return {
    abort: () => (started ? Promise.resolve() : abort()),
    async start(spec, beforeStart) {
      if (started) throw new Error('the init was already started');
      started = true;
      try {
        await spawned;
        const sock = child.stdio[3] as Socket;
        const lineReader = readLines(sock);
        let pid = child.pid!;
        if (relay) {
          // The relay names the init it started in the new PID namespace; both go into the cgroups.
          const first = await Promise.race([lineReader.next(), spawnFailed]);
          if (!first.startsWith(RELAY_PID_PREFIX)) throw new InitError(first === '' ? { step: 'init', error: 'the relay died before starting the init' } : JSON.parse(first) as InitFailure);
          beforeStart(child.pid!);
          pid = Number(first.slice(RELAY_PID_PREFIX.length));
        }
        beforeStart(pid);
        sock.write(`${JSON.stringify(spec)}\n`);
        const reply = await Promise.race([lineReader.rest(), spawnFailed]);
        // The init writes EXEC_MARK right before execve; a failure line may follow it.
        const lines = reply.split('\n').filter((l) => l !== '' && l !== EXEC_MARK);
        if (lines.length > 0) throw new InitError(JSON.parse(lines[0]!) as InitFailure);
        if (!reply.startsWith(EXEC_MARK)) {
          const { code, signal } = await exit;
          throw new InitError({ step: 'init', error: `the init died before starting the command (${signal ?? `exit ${code}`})` });
        }
        return { child, pid, exit, outputDone };
      } catch (err) {
        await abort();
        throw err;
      }
    },
  };
}

/**
 * Spawns the init and starts it at once (prestartInit, then start): resolves once the init exec'd
 * the user's command; rejects with InitError (the child reaped) when a step failed or the init died first.
 */
export function spawnInit(opts: SpawnInitOptions & { readonly userns?: InitUserns }): Promise<StartedInit> {
  const { spec, beforeStart, ...rest } = opts;
  const pidNs: InitPidNs = spec.mode === 'run' ? { mode: 'run' } : { mode: 'exec', pid: spec.pid };
  return prestartInit({ ...rest, pidNs }).start(spec, beforeStart);
}

/**
 * Reads the sync socket from the start: next() resolves with the first line (empty at end-of-file),
 * rest() with everything after what next() took, once end-of-file came.
 */
function readLines(sock: Socket): { next(): Promise<string>; rest(): Promise<string> } {
  let text = '';
  let taken = 0;
  let ended = false;
  const waiters: (() => void)[] = [];
  const wake = () => { for (const w of waiters.splice(0)) w(); };
  let failure: Error | undefined;
  sock.on('data', (c: Buffer) => { text += c.toString('utf8'); wake(); });
  sock.once('end', () => { ended = true; wake(); });
  sock.once('error', (err) => { failure = err; ended = true; wake(); });
  const until = async (done: () => boolean): Promise<void> => {
    while (!done()) await new Promise<void>((resolve) => waiters.push(resolve));
    if (failure !== undefined) throw failure;
  };
  return {
    async next() {
      await until(() => ended || text.indexOf('\n', taken) !== -1);
      const nl = text.indexOf('\n', taken);
      if (nl === -1) return '';
      const line = text.slice(taken, nl);
      taken = nl + 1;
      return line;
    },
    async rest() {
      await until(() => ended);
      return text.slice(taken);
    },
  };
}
