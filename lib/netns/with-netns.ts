import fs from 'node:fs';
import { CLONE_NEWNET, setns, unshare } from '../sys';
import type { Netns } from './netns';

let poolWarm = false;

/**
 * Makes sure libuv's thread pool exists before the first namespace switch. Pool threads are created on
 * first use and inherit the namespaces of the thread that creates them, for ever: if the first async fs
 * call happened while the main thread sat in a container netns, every later async fs and dns call would
 * run there. Submitting one request creates all pool threads synchronously (libuv's init_once runs inside
 * uv_queue_work), so this needs no await.
 */
export function warmThreadPool(): void {
  if (poolWarm) return;
  poolWarm = true;
  fs.stat('/', () => {});
}

/**
 * Runs `fn` with the calling thread in network namespace `ns`, then moves the thread back.
 *
 * Guarantees: only the calling thread moves (setns is per thread; Node's other threads stay put); the
 * window is synchronous (`fn` must not be async: anything it defers would run after the switch back,
 * so a returned promise is an error); sockets opened and sysctls written with sync fs calls inside land
 * in `ns`; on the way out the thread returns to the namespace it was in, and if that fails the process
 * aborts rather than go on running host code in a foreign namespace. Nesting is allowed.
 */
export function withNetns<T>(ns: Netns, fn: () => T): T {
  return switched(() => setns(ns.fd, CLONE_NEWNET, ns.path), fn);
}

/**
 * Runs `fn` with the calling thread in a brand-new network namespace (unshare), then moves it back.
 * The new netns dies with the window unless `fn` pins it (a bind mount, an open fd). Same guarantees
 * as withNetns.
 */
export function withNewNetns<T>(fn: () => T): T {
  return switched(() => unshare(CLONE_NEWNET), fn);
}

function switched<T>(enter: () => void, fn: () => T): T {
  warmThreadPool();
  // Node opens every file O_CLOEXEC, so this fd never leaks into children spawned meanwhile.
  const origin = fs.openSync('/proc/thread-self/ns/net', 'r');
  try {
    enter();
    try {
      const result = fn();
      if (isThenable(result)) throw new TypeError('withNetns: the callback must be synchronous (it returned a promise)');
      return result;
    } finally {
      restore(origin);
    }
  } finally {
    fs.closeSync(origin);
  }
}

function restore(origin: number): void {
  try {
    setns(origin, CLONE_NEWNET, 'back to the original netns');
  } catch (err) {
    // Continuing would run the rest of the program (and every later netlink socket) in the wrong netns.
    fs.writeSync(2, `FATAL: cannot return to the original network namespace: ${String(err)}\n`);
    process.abort();
  }
}

function isThenable(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
