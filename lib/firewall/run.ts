/**
 * Runs the firewall's own command-line interfaces (iptables-save/-restore, nft), optionally inside a
 * network namespace. These tools are the stable interface to both netfilter front ends; the batch
 * forms (`iptables-restore --noflush`, `nft -f -`) let one process apply one attachment's rules
 * atomically, where the reference spawns a process per rule.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { openNetns, withNetns, type Netns } from '../netns';
import { markRetryable } from '../util';

/** Where a command runs: an open netns, a netns path (`/run/netns/x`), or the caller's own netns. */
export type NetnsRef = Netns | string;

/** Options every firewall function takes. */
export interface FirewallOptions {
  /** Run the commands in this network namespace (default: the calling thread's, the host's for a plugin). */
  netns?: NetnsRef;
}

/** A firewall command failed: names the command line, its exit status and its stderr. */
export class FirewallError extends Error {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderr: string;
  /** True when the program itself is missing: that front end is unusable on this host. */
  readonly notFound: boolean;

  /** `status` replaces "exit status N" in the message for a failure that is no process's (a netlink errno). */
  constructor(command: string, exitCode: number | null, stderr: string, opts: { cause?: unknown; notFound?: boolean; status?: string } = {}) {
    const what = opts.notFound ? 'not found' : opts.status ?? (exitCode === null ? 'killed' : `exit status ${exitCode}`);
    const tail = stderr.trim().replace(/\s*\n\s*/g, '; ');
    super(`${command}: ${what}${tail ? `: ${tail}` : ''}`, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'FirewallError';
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
    this.notFound = opts.notFound ?? false;
  }
}

/**
 * Contention that goes away by itself: legacy iptables' xtables lock held past `-w`, or the kernel
 * answering EAGAIN/EBUSY-like "try again" to a netlink batch racing another writer.
 */
const RETRYABLE_STDERR = /xtables lock|Resource temporarily unavailable|try again/i;

/** True when stderr says the object is simply not there (nft: ENOENT on the table or chain). */
export function isNoSuchObject(err: unknown): boolean {
  return err instanceof FirewallError && /No such file or directory|does not exist/i.test(err.stderr);
}

/**
 * Plugins are exec'd with the runtime's environment, whose PATH may lack the sbin directories where
 * Debian and others install iptables and nft: those are searched after PATH.
 */
const FALLBACK_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/bin', '/usr/local/sbin'];
const resolved = new Map<string, string | null>();

function which(program: string): string | null {
  const key = `${process.env.PATH ?? ''}\0${program}`;
  let hit = resolved.get(key);
  if (hit !== undefined) return hit;
  hit = null;
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...FALLBACK_DIRS];
  for (const dir of dirs) {
    try {
      fs.accessSync(`${dir}/${program}`, fs.constants.X_OK);
      hit = `${dir}/${program}`;
      break;
    } catch {
      // not in this directory
    }
  }
  resolved.set(key, hit);
  return hit;
}

/**
 * Runs `program args` with `input` on stdin, inside `netns` if given, and returns its stdout.
 * The child inherits the netns of the thread that forks it, which is the main thread inside
 * withNetns; spawnSync keeps the whole window synchronous as withNetns requires.
 * @throws {FirewallError} the program is missing, was killed or exited non-zero (retryable when its
 *   stderr reports lock contention)
 */
export function runFirewall(program: string, args: readonly string[], input: string, opts: FirewallOptions = {}): string {
  // Keep messages readable should an argument be long (a rule, a path).
  const command = [program, ...args.map((a) => (a.length > 60 ? `${a.slice(0, 57)}...` : a))].join(' ');
  const path = which(program);
  if (path === null) throw new FirewallError(command, null, '', { notFound: true });
  const run = () => spawnSync(path, args, { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const res = inNetns(opts.netns, run);
  // EPIPE: the program exited without reading all its input; its exit status and stderr say why.
  const epipe = (res.error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE' && res.status !== null;
  if (res.error && !epipe) {
    const notFound = (res.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FirewallError(command, null, res.error.message, { cause: res.error, notFound });
  }
  if (res.status !== 0) {
    const err = new FirewallError(command, res.status, res.stderr);
    throw RETRYABLE_STDERR.test(res.stderr) ? markRetryable(err) : err;
  }
  return res.stdout;
}

/** Calls `fn` inside the netns `ref` names (opening and closing a path), or right here without one. */
export function inNetns<T>(ref: NetnsRef | undefined, fn: () => T): T {
  if (ref === undefined) return fn();
  if (typeof ref !== 'string') return withNetns(ref, fn);
  const ns = openNetns(ref);
  try {
    return withNetns(ns, fn);
  } finally {
    ns.close();
  }
}

/**
 * Runs `attempt` and, if it fails, once more: the read-modify-write of a batch races other writers
 * (a rule deleted or a chain created between the read and the batch), and a fresh read settles it.
 */
export function retryOnce<T>(attempt: () => T): T {
  try {
    return attempt();
  } catch (err) {
    if (err instanceof FirewallError && err.notFound) throw err; // nothing will change that
    return attempt();
  }
}

/** How often retryRaces tries; each failure means another writer changed the table meanwhile. */
const RACE_ATTEMPTS = 5;

/**
 * Runs `attempt` until it succeeds, up to 5 times: for a read-decide-write whose batch is built to fail
 * whole when the table changed since the read (it deletes exactly the rules it saw), so a concurrent
 * ADD or DEL makes it read again instead of acting on stale facts. The last failure is thrown.
 */
export function retryRaces<T>(attempt: () => T): T {
  for (let i = 1; ; i++) {
    try {
      return attempt();
    } catch (err) {
      if ((err instanceof FirewallError && err.notFound) || i >= RACE_ATTEMPTS) throw err;
    }
  }
}
