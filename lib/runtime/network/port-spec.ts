/**
 * `-p`/`--publish` and `--expose` values, read as Docker's CLI reads them (go-connections' nat
 * package): `[ip:][hostPort:]containerPort[/proto]`, where either port may be a range `a-b`, the ip
 * may be bracketed IPv6, and proto is tcp (default), udp or sctp. A missing or 0 host port means "any
 * free port" (ephemeral), and a host range with a single container port is the pool to pick it from.
 * One value gives one {@link PortBinding} per container port; the errors are Docker's words.
 */
import { isIP } from 'node:net';

export type PortProtocol = 'tcp' | 'udp' | 'sctp';

/** One container port to publish and where on the host. */
export interface PortBinding {
  readonly containerPort: number;
  readonly protocol: PortProtocol;
  /** The host address to listen on; "" for all of them (Docker's 0.0.0.0 and ::). */
  readonly hostIp: string;
  /** The host port, or a pool [first, last] to pick a free one from; [0, 0] for any ephemeral port. */
  readonly hostPorts: readonly [number, number];
}

/** A port the container listens on (`--expose`, the image's ExposedPorts): `-P` publishes these. */
export interface ExposedPort {
  readonly port: number;
  readonly protocol: PortProtocol;
}

/** A value that is not a port spec; the message is Docker's. */
export class PortSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortSpecError';
  }
}

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];

/** Docker's "80/tcp" key of a container port. */
export const portKey = (port: number, protocol: PortProtocol): string => `${port}/${protocol}`;

/** `-p` value → its bindings, one per container port. @throws {PortSpecError} */
export function parsePublish(raw: string): PortBinding[] {
  let [ip, hostPort, containerPart] = splitParts(raw);
  const [proto, containerPort] = splitProtoPort(containerPart);
  if (ip.startsWith('[')) {
    if (!ip.endsWith(']')) throw new PortSpecError(`invalid IP address ${ip}: missing ']' in address`);
    ip = ip.slice(1, -1);
  }
  if (ip !== '' && isIP(ip) === 0) throw new PortSpecError(`invalid IP address: ${ip}`);
  if (containerPort === '') throw new PortSpecError(`no port specified: ${raw}<empty>`);
  const container = portRange(containerPort);
  if (!container) throw new PortSpecError(`invalid containerPort: ${containerPort}`);
  let host: [number, number] = [0, 0];
  if (hostPort !== '') {
    const parsed = portRange(hostPort);
    if (!parsed) throw new PortSpecError(`invalid hostPort: ${hostPort}`);
    host = parsed;
  }
  const containerCount = container[1] - container[0];
  const hostCount = host[1] - host[0];
  // A host range with one container port is the pool to pick from; two ranges must be as long.
  if (hostPort !== '' && containerCount !== hostCount && containerCount !== 0) {
    throw new PortSpecError(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const protocol = proto.toLowerCase();
  if (!PROTOCOLS.includes(protocol)) throw new PortSpecError(`invalid proto: ${proto}`);
  if (container[0] === 0) throw new PortSpecError(`invalid containerPort: ${containerPort}`);
  const out: PortBinding[] = [];
  for (let i = 0; i <= containerCount; i++) {
    const hostPorts: [number, number] =
      hostPort === '' || host[0] === 0 ? [0, 0] : containerCount === 0 ? host : [host[0] + i, host[0] + i];
    out.push({ containerPort: container[0] + i, protocol: protocol as PortProtocol, hostIp: ip, hostPorts });
  }
  return out;
}

/** `--expose` value: `port[/proto]` or a range `a-b[/proto]`. @throws {PortSpecError} */
export function parseExpose(raw: string): ExposedPort[] {
  const [proto, port] = splitProtoPort(raw);
  if (raw.includes(':')) throw new PortSpecError(`invalid port format for --expose: ${raw}`);
  const range = port === '' ? undefined : portRange(port);
  if (!range || range[0] === 0) throw new PortSpecError(`invalid range format for --expose: ${raw}, error: invalid port ${port}`);
  const protocol = proto.toLowerCase();
  if (!PROTOCOLS.includes(protocol)) throw new PortSpecError(`invalid proto: ${proto}`);
  const out: ExposedPort[] = [];
  for (let p = range[0]; p <= range[1]; p++) out.push({ port: p, protocol: protocol as PortProtocol });
  return out;
}

/** Docker's "80/tcp" (or "80", tcp) key → an exposed port; undefined when it is not one. */
export function parsePortKey(key: string): ExposedPort | undefined {
  const [proto, port] = splitProtoPort(key);
  const range = portRange(port);
  const protocol = proto.toLowerCase();
  if (!range || range[0] !== range[1] || range[0] === 0 || !PROTOCOLS.includes(protocol)) return undefined;
  return { port: range[0], protocol: protocol as PortProtocol };
}

/** [ip, hostPort, containerPort]: the last two colon-separated fields are the ports, the rest the ip. */
function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  const container = parts[n - 1]!;
  if (n === 1) return ['', '', container];
  if (n === 2) return ['', parts[0]!, container];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2]!, container];
}

/** ["tcp", "80"] from "80/tcp", "80" (tcp) or "80/"; the protocol as written. */
function splitProtoPort(text: string): [string, string] {
  const slash = text.indexOf('/');
  if (slash < 0) return ['tcp', text];
  const proto = text.slice(slash + 1);
  return [proto === '' ? 'tcp' : proto, text.slice(0, slash)];
}

/** "80" or "8000-8010" → [first, last] within 0..65535, first <= last; undefined otherwise. */
function portRange(text: string): [number, number] | undefined {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(text);
  if (!m) return undefined;
  const first = Number(m[1]);
  const last = m[2] === undefined ? first : Number(m[2]);
  if (first > 65535 || last > 65535 || last < first) return undefined;
  return [first, last];
}
