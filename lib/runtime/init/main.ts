/**
 * Entry of the init process (dist/bin/berth-init): read the spec from the sync socket, then build
 * the container (`run`) or join one (`exec`) and execve. The spec arrives only once the parent has
 * put this process into the container's cgroups, so no user code ever runs outside its limits.
 */
import { readSync } from 'node:fs';
import { constants } from 'node:os';
import { setBlocking, setParentDeathSignal } from '../../sys';
import { execInit } from './exec-init';
import { RELAY_ARG, relayMain } from './pid-ns-relay';
import { runInit } from './run-init';
import { type InitSpec, SYNC_FD } from './spec';
import { reportFailure } from './steps';

/** Reads one JSON line from the sync socket; undefined when the parent closed it first. */
function readSpec(): InitSpec | undefined {
  setBlocking(SYNC_FD);
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(64 * 1024);
  for (;;) {
    const n = readSync(SYNC_FD, buf, 0, buf.length, null);
    if (n === 0) return undefined;
    const nl = buf.subarray(0, n).indexOf(10);
    chunks.push(Buffer.from(buf.subarray(0, nl === -1 ? n : nl)));
    if (nl !== -1) return JSON.parse(Buffer.concat(chunks).toString('utf8')) as InitSpec;
  }
}

/** Runs the init; exits 1 after reporting a failure to the parent. */
export function initMain(): void {
  try {
    // Die with the supervisor: a container nobody waits for would be a leak.
    setParentDeathSignal(constants.signals.SIGKILL);
    if (process.argv[2] === RELAY_ARG) {
      relayMain(process.argv[3]!);
      return;
    }
    const spec = readSpec();
    if (spec === undefined) process.exit(1);
    if (spec.mode === 'exec') execInit(spec);
    else runInit(spec);
  } catch (err) {
    reportFailure(err);
    process.exit(1);
  }
}
