/**
 * Host ports for a starting container's `-p` bindings. A port is held by a container while somebody
 * looks after it (its container lock is held: the starting `berth run`, then its supervisor) and its
 * state lists it; so a SIGKILLed berth frees its ports with its flock, with nothing to clean up. The
 * choice is made under one host-wide lock and recorded in the container's state before the lock is
 * released, so two starts never take the same port. A port that a host process already listens on is
 * refused too: the DNAT rule would steal that process's traffic (Docker's userland proxy fails the
 * same way).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { withFileLock } from '../../sys';
import type { PortBinding, PortProtocol } from '../network';
import type { RuntimeDeps } from './deps';
import { isUnattended } from './lock';
import { ContainerError } from './store';
import type { ContainerRecord, PublishedPort } from './types';

/** Docker's pool when ip_local_port_range cannot be read. */
const FALLBACK_EPHEMERAL: readonly [number, number] = [49153, 65535];
const LOCK_TIMEOUT_MS = 30_000;

/** The kernel's ephemeral range in this netns, where `-p 80` picks its host port (as Docker does). */
export function ephemeralRange(): readonly [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(lo) && Number.isInteger(hi) && lo! > 0 && hi! >= lo!) return [lo!, hi!];
  } catch {
    // no procfs: Docker's default pool
  }
  return FALLBACK_EPHEMERAL;
}

/** Two host addresses clash when either is "all" or they are the same. */
const overlaps = (a: string, b: string): boolean => a === '' || b === '' || a === b;

const shown = (ip: string): string => (ip === '' ? '0.0.0.0' : ip.includes(':') ? `[${ip}]` : ip);

/**
 * Chooses a host port for each of `rec`'s bindings and records them in its state.
 * @throws {ContainerError} `conflict` naming the address and port that is taken or has no free port
 */
export async function allocatePorts(deps: RuntimeDeps, rec: ContainerRecord): Promise<PublishedPort[]> {
  const bindings = rec.config.ports ?? [];
  if (bindings.length === 0) return [];
  return withFileLock(join(deps.paths.root, 'ports.lock'), { timeoutMs: LOCK_TIMEOUT_MS }, async () => {
    const taken = await heldPorts(deps, rec.config.id);
    const chosen: PublishedPort[] = [];
    for (const b of bindings) {
      const port = await choose(b, [...taken, ...chosen]);
      chosen.push({ containerPort: b.containerPort, protocol: b.protocol, hostIp: b.hostIp, hostPort: port });
    }
    await deps.containers.saveState(rec.config.id, { ...rec.state, ports: chosen });
    return chosen;
  });
}

/** The ports of every other container that is looked after. */
async function heldPorts(deps: RuntimeDeps, self: string): Promise<PublishedPort[]> {
  const out: PublishedPort[] = [];
  for (const other of await deps.containers.list()) {
    const ports = other.state.ports ?? [];
    if (other.config.id === self || ports.length === 0) continue;
    if (!isUnattended(deps.containers.containerDir(other.config.id))) out.push(...ports);
  }
  return out;
}

async function choose(b: PortBinding, taken: readonly PublishedPort[]): Promise<number> {
  const clash = (port: number) => taken.some((t) => t.protocol === b.protocol && t.hostPort === port && overlaps(t.hostIp, b.hostIp));
  const [first, last] = b.hostPorts[0] === 0 ? ephemeralRange() : b.hostPorts;
  if (first === last) {
    if (clash(first)) throw new ContainerError(`Bind for ${shown(b.hostIp)}:${first} failed: port is already allocated`, 'conflict');
    if (!(await hostPortFree(b.hostIp, first, b.protocol))) {
      throw new ContainerError(`failed to bind host port for ${shown(b.hostIp)}:${first}/${b.protocol}: address already in use`, 'conflict');
    }
    return first;
  }
  for (let port = first; port <= last; port++) {
    if (!clash(port) && (await hostPortFree(b.hostIp, port, b.protocol))) return port;
  }
  throw new ContainerError(`Bind for ${shown(b.hostIp)}:${first}-${last} failed: no free port in the range (all ports are allocated)`, 'conflict');
}

/**
 * Whether no host socket holds `port`: a bind on the address (both families for "all") succeeds.
 * SCTP has no Node socket to try; only berth's own records guard it.
 */
async function hostPortFree(ip: string, port: number, protocol: PortProtocol): Promise<boolean> {
  if (protocol === 'sctp') return true;
  const addresses = ip === '' ? ['0.0.0.0', '::'] : [ip];
  for (const address of addresses) {
    const result = await tryBind(address, port, protocol);
    // "::" on a host without IPv6, or an address that is not (yet) local: nothing there to clash with.
    if (result === 'EADDRINUSE' || result === 'EACCES') return false;
  }
  return true;
}

function tryBind(address: string, port: number, protocol: 'tcp' | 'udp'): Promise<string | undefined> {
  const v6 = address.includes(':');
  return new Promise((resolve) => {
    if (protocol === 'tcp') {
      const server = createServer();
      server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code));
      server.listen({ host: address, port, exclusive: true, ipv6Only: v6 }, () => server.close(() => resolve(undefined)));
    } else {
      const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 });
      socket.once('error', (err: NodeJS.ErrnoException) => { socket.close(); resolve(err.code); });
      socket.bind({ address, port, exclusive: true }, () => socket.close(() => resolve(undefined)));
    }
  });
}
