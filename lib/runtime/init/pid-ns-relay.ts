/**
 * The first of a user namespace container's two inits (container/userns.ts). It starts inside the
 * user namespace, already in the netns (nsenter put it there), but in the host's PID namespace:
 * a PID namespace must be owned by the user namespace for root inside to mount its /proc, and only a
 * process inside the user namespace can make one. So this process makes it (unshare(CLONE_NEWPID) on
 * its main thread: its next child is born there as PID 1), spawns the real init into it with the same
 * stdio and sync socket, tells the parent that init's PID, lets go of the sync socket (so end-of-file
 * still means the init's execve succeeded), and then only relays the init's end: the same exit code,
 * or death by the same signal, so the parent sees the container's status exactly (137 after SIGKILL).
 */
import { spawn } from 'node:child_process';
import { closeSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { CLONE_NEWPID, unshare } from '../../sys';
import { SYNC_FD } from './spec';

/** The argument that makes berth-init this relay. */
export const RELAY_ARG = 'pid-namespace-relay';

/** The line the relay writes first on the sync socket: `pid <host PID of the init>`. */
export const RELAY_PID_PREFIX = 'pid ';

/** Runs the relay; never returns. */
export function relayMain(initPath: string): void {
  unshare(CLONE_NEWPID);
  // The addon descriptor (container/spawn-init.ts) goes on to the init, at the same number.
  const addonFd = process.env.BERTH_ADDON_FD;
  const child = spawn(process.execPath, [initPath], {
    stdio: [0, 1, 2, SYNC_FD, ...(addonFd === undefined ? [] : [Number(addonFd)])],
    env: addonFd === undefined ? {} : { BERTH_ADDON_FD: addonFd },
  });
  child.once('spawn', () => {
    writeSync(SYNC_FD, `${RELAY_PID_PREFIX}${child.pid}\n`);
    closeSync(SYNC_FD);
  });
  child.once('error', (err) => {
    writeSync(SYNC_FD, `${JSON.stringify({ step: 'start the init', error: err.message })}\n`);
    process.exit(1);
  });
  // Signals for the container go to its PID 1 (the recorded PID), not here; a stray one must not
  // kill the relay before the init: it is ignored, and the relay ends when the init does.
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) process.on(sig, () => {});
  child.once('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const) process.removeAllListeners(sig);
    process.kill(process.pid, signal);
    // A signal Node keeps ignoring (SIGPIPE): the shell's encoding of it.
    setTimeout(() => process.exit(128 + constants.signals[signal]), 100);
  });
}
