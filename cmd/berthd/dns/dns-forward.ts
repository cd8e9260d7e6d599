/**
 * Forwarding a query the name table does not answer to the upstream servers, one after the other,
 * over the transport the client used (a UDP client gets the upstream's UDP answer, truncated or not,
 * and asks again over TCP itself). The upstream's answer is relayed as it came, its ID set back to
 * the client's. No answer from any server: the caller answers SERVFAIL.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { parseIP } from '../../../lib/ip';

/** How long one upstream server gets before the next is tried (glibc's default `timeout:5` is per try). */
export const UPSTREAM_TIMEOUT_MS = 2000;
const DNS_PORT = 53;

function withId(packet: Buffer, id: number): Buffer {
  const out = Buffer.from(packet);
  out.writeUInt16BE(id, 0);
  return out;
}

function overUdp(query: Buffer, server: string, timeoutMs: number): Promise<Buffer | undefined> {
  const host = server;
  const port = DNS_PORT;
  const sock = dgram.createSocket(parseIP(host)?.family === 6 ? 'udp6' : 'udp4');
  return new Promise((resolve) => {
    let finished = false;
    const done = (answer: Buffer | undefined): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      sock.close();
      resolve(answer);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    // A connected socket: only that server's datagrams arrive, and its ICMP port unreachable comes
    // back as ECONNREFUSED at once, so a server that is down costs no timeout.
    sock.on('message', (msg) => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(msg);
    });
    // Node calls back on success and on failure (no route: ENETUNREACH) alike.
    sock.connect(port, host, (err?: Error) => {
      if (err) return done(undefined);
      try {
        sock.send(query, (e) => { if (e) done(undefined); });
      } catch {
        done(undefined);
      }
    });
  });
}

function overTcp(query: Buffer, server: string, timeoutMs: number): Promise<Buffer | undefined> {
  const host = server;
  const port = DNS_PORT;
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const sock = net.connect({ host, port });
    const done = (answer: Buffer | undefined): void => {
      sock.destroy();
      resolve(answer);
    };
    sock.setTimeout(timeoutMs, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('connect', () => {
      const len = Buffer.alloc(2);
      len.writeUInt16BE(query.length);
      sock.write(Buffer.concat([len, query]));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
    });
    sock.on('end', () => done(undefined));
  });
}

/**
 * Sends `query` to each of `servers` in turn until one answers.
 * @returns the answer with the client's ID, or undefined when none answered
 */
export async function forwardQuery(query: Buffer, servers: readonly string[], transport: 'udp' | 'tcp', timeoutMs = UPSTREAM_TIMEOUT_MS): Promise<Buffer | undefined> {
  const clientId = query.readUInt16BE(0);
  const ours = withId(query, Math.floor(Math.random() * 0x10000));
  for (const server of servers) {
    const answer = transport === 'udp' ? await overUdp(ours, server, timeoutMs) : await overTcp(ours, server, timeoutMs);
    if (answer !== undefined) return withId(answer, clientId);
  }
  return undefined;
}
