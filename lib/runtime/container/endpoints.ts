/**
 * The networks a container joined after `run` (`berth network connect`), and whether it left the one
 * it was created on (`disconnect`), kept in `<container>/networks.json` beside its state. A file of
 * its own, because the state is written by whichever process supervises the container from its own
 * copy, while connect and disconnect come from other berth processes at any time; every change of this
 * file (and the CNI ADD or DEL it records) happens under `networks.lock`, which teardown takes too.
 *
 * An endpoint is recorded before its ADD runs, so a berth killed during the ADD leaves a record that
 * the next teardown DELs; `attachment` is set once the ADD succeeded and cleared when it is undone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withFileLock, writeFileDurable } from '../../sys';
import type { NetworkAttachment } from './types';

/** The interface inside the container on the network it was created on (eth0), as Docker's. */
export const CONTAINER_IFNAME = 'eth0';

/** A network joined by `network connect`. */
export interface ConnectedEndpoint {
  readonly network: string;
  readonly networkId: string;
  /** eth1, eth2...: the interface inside the container, kept across restarts. */
  readonly ifName: string;
  /** `--ip` / `--ip6`: the addresses asked for (the `ips` capability). */
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** `--alias`: further DNS names on this network. */
  readonly aliases?: readonly string[];
  /** The live attachment while the container runs. */
  attachment?: NetworkAttachment;
}

/** `networks.json`. */
export interface Endpoints {
  /** The network the container was created on was disconnected: later starts skip it. */
  primaryDetached?: boolean;
  connected: ConnectedEndpoint[];
}

const FILE = 'networks.json';
const LOCK_TIMEOUT_MS = 60_000;

/** The container's endpoints; none when it never connected or disconnected anything. */
export function readEndpoints(containerDir: string): Endpoints {
  try {
    const parsed = JSON.parse(readFileSync(join(containerDir, FILE), 'utf8')) as Partial<Endpoints> | null;
    const connected = Array.isArray(parsed?.connected) ? parsed.connected.filter(isEndpoint) : [];
    return { ...(parsed?.primaryDetached === true ? { primaryDetached: true } : {}), connected };
  } catch (err) {
    // Absent, or torn by a crash before the rename (never: the write is atomic): nothing connected.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return { connected: [] };
    throw err;
  }
}

function isEndpoint(e: unknown): e is ConnectedEndpoint {
  const x = e as Partial<ConnectedEndpoint> | null;
  return typeof x === 'object' && x !== null && typeof x.network === 'string' && typeof x.networkId === 'string' && typeof x.ifName === 'string' && /^eth\d+$/.test(x.ifName);
}

/** Writes the endpoints durably (temp file, fsync, rename). */
export async function writeEndpoints(containerDir: string, endpoints: Endpoints): Promise<void> {
  await writeFileDurable(join(containerDir, FILE), `${JSON.stringify(endpoints, null, 2)}\n`, { mode: 0o600 });
}

/** Runs `fn` holding the container's network lock: one connect, disconnect or teardown at a time. */
export function withEndpointsLock<T>(containerDir: string, fn: () => Promise<T>): Promise<T> {
  return withFileLock(join(containerDir, 'networks.lock'), { timeoutMs: LOCK_TIMEOUT_MS }, fn);
}

/** The lowest ethN not used by the primary interface (eth0 unless detached) or a connected one. */
export function nextIfName(endpoints: Endpoints, primaryIfName: string | undefined): string {
  const used = new Set(endpoints.connected.map((e) => e.ifName));
  if (primaryIfName !== undefined) used.add(primaryIfName);
  for (let i = 0; ; i++) if (!used.has(`eth${i}`)) return `eth${i}`;
}
