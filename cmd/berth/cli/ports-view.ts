/**
 * A container's ports the ways Docker shows them: inspect's Config.ExposedPorts, HostConfig.PortBindings
 * (what was asked) and NetworkSettings.Ports (what the running container got), `ps`'s PORTS column and
 * `berth port`'s lines. A binding to every host address shows as 0.0.0.0 and, when the container has
 * an IPv6 address (portmap maps both families then), also as `::`.
 */
import { type ContainerConfig, type ContainerRecord, type PublishedPort, isLive } from '../../../lib/runtime/container';
import { portKey } from '../../../lib/runtime/network';

interface HostBinding {
  HostIp: string;
  HostPort: string;
}

/** Config.ExposedPorts: `{"80/tcp": {}}`, or undefined when there are none (Docker omits it). */
export function exposedPortsJson(c: ContainerConfig): Record<string, Record<string, never>> | undefined {
  const ports = c.exposedPorts ?? [];
  return ports.length === 0 ? undefined : Object.fromEntries(ports.map((p) => [portKey(p.port, p.protocol), {}]));
}

/** HostConfig.PortBindings as asked: HostPort "" for an ephemeral port, "a-b" for a pool. */
export function portBindingsJson(c: ContainerConfig): Record<string, HostBinding[]> {
  const out: Record<string, HostBinding[]> = {};
  for (const b of c.ports ?? []) {
    const [first, last] = b.hostPorts;
    const hostPort = first === 0 ? '' : first === last ? String(first) : `${first}-${last}`;
    (out[portKey(b.containerPort, b.protocol)] ??= []).push({ HostIp: b.hostIp, HostPort: hostPort });
  }
  return out;
}

/** The host addresses one published port answers on. */
function hostAddresses(rec: ContainerRecord, p: PublishedPort): string[] {
  if (p.hostIp !== '') return [p.hostIp];
  return rec.state.attachments.some((a) => a.ipv6 !== undefined) ? ['0.0.0.0', '::'] : ['0.0.0.0'];
}

/** The running container's published ports, in exposed-port order. */
function livePorts(rec: ContainerRecord): PublishedPort[] {
  return isLive(rec) ? [...(rec.state.ports ?? [])] : [];
}

/**
 * NetworkSettings.Ports: each exposed port with its host bindings, null when it is not published; {}
 * when the container is not running (its ports are released then).
 */
export function networkPortsJson(rec: ContainerRecord): Record<string, HostBinding[] | null> {
  if (!isLive(rec)) return {};
  const out: Record<string, HostBinding[] | null> = {};
  for (const e of rec.config.exposedPorts ?? []) out[portKey(e.port, e.protocol)] = null;
  for (const p of livePorts(rec)) {
    const list = (out[portKey(p.containerPort, p.protocol)] ??= []) as HostBinding[];
    for (const ip of hostAddresses(rec, p)) list.push({ HostIp: ip, HostPort: String(p.hostPort) });
  }
  return out;
}

const hostPart = (ip: string, port: number): string => `${ip.includes(':') ? (ip === '::' ? '::' : `[${ip}]`) : ip}:${port}`;

/** `ps`'s PORTS: "0.0.0.0:8080->80/tcp, :::8080->80/tcp, 443/tcp" while running, else "". */
export function psPortsColumn(rec: ContainerRecord): string {
  if (!isLive(rec)) return '';
  const published = livePorts(rec);
  const parts: string[] = [];
  for (const p of published) {
    for (const ip of hostAddresses(rec, p)) parts.push(`${hostPart(ip, p.hostPort)}->${portKey(p.containerPort, p.protocol)}`);
  }
  for (const e of rec.config.exposedPorts ?? []) {
    if (!published.some((p) => p.containerPort === e.port && p.protocol === e.protocol)) parts.push(portKey(e.port, e.protocol));
  }
  return parts.join(', ');
}

/**
 * `berth port` lines: "80/tcp -> 0.0.0.0:8080" for every published port, or just "0.0.0.0:8080" for
 * the one asked for (`private` is "80" or "80/udp"); undefined when that one is not published.
 */
export function portLines(rec: ContainerRecord, privatePort?: string): string[] | undefined {
  const published = livePorts(rec);
  if (privatePort === undefined) {
    return published.flatMap((p) => hostAddresses(rec, p).map((ip) => `${portKey(p.containerPort, p.protocol)} -> ${hostPart(ip, p.hostPort)}`));
  }
  const [port, proto = 'tcp'] = privatePort.split('/');
  const hits = published.filter((p) => String(p.containerPort) === port && p.protocol === proto.toLowerCase());
  if (hits.length === 0) return undefined;
  return hits.flatMap((p) => hostAddresses(rec, p).map((ip) => hostPart(ip, p.hostPort)));
}
