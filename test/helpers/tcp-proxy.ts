// A TCP proxy between a client and a plain-HTTP server that records the request heads going through
// and, when armed, breaks the next response to a matching request on purpose: cuts the connection
// after so many bytes of it (a dropped download), or flips a byte of it (corruption on the way).
import net from 'node:net';

/** How to break the next response whose request head matches `request` (offsets count body bytes). */
export interface Sabotage {
  request: RegExp;
  /** Close the connection after this many bytes of the response's body. */
  cutAfter?: number;
  /** Flip the bits of the body's byte at this offset. */
  flipAt?: number;
  /** Forward this many bytes of the body, then nothing more, holding the connection open (a stalled download). */
  stallAfter?: number;
}

/** A running proxy. */
export interface TcpProxy {
  readonly port: number;
  /** Every request head seen (request line and headers), in order. */
  readonly requests: string[];
  /** Arms a one-shot sabotage. */
  sabotage(s: Sabotage): void;
  /** Resolves once a `stallAfter` sabotage has stalled its response. */
  stalled(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) to `target` (host:port). */
export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  let armed: Sabotage | undefined;
  let markStalled: () => void = () => undefined;
  let stalled = new Promise<void>((r) => (markStalled = r));
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.once('close', () => sockets.delete(client));
    upstream.once('close', () => sockets.delete(upstream));
    let active: { s: Sabotage; seen: number; head: string | undefined } | undefined;
    client.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      for (const m of text.matchAll(/(?:^|\r\n\r\n)((?:GET|HEAD|PUT|POST|PATCH|DELETE) [^]*?)\r\n\r\n/g)) {
        requests.push(m[1]!);
        if (armed !== undefined && armed.request.test(m[1]!)) {
          active = { s: armed, seen: 0, head: '' };
          armed = undefined;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (data: Buffer) => {
      if (active === undefined) return void client.write(data);
      // Offsets count from the end of the response head (the first blank line).
      let headLen = 0;
      if (active.head !== undefined) {
        active.head += data.toString('latin1');
        const end = active.head.indexOf('\r\n\r\n');
        if (end < 0) return void client.write(data);
        headLen = data.length - (active.head.length - end - 4);
        active.head = undefined;
      }
      const { s } = active;
      const body = data.subarray(headLen);
      const start = active.seen;
      active.seen += body.length;
      if (s.cutAfter !== undefined && active.seen >= s.cutAfter) {
        active = undefined;
        // end(), not destroy(): a reset would make the client's kernel drop bytes it has not read yet.
        upstream.destroy();
        client.end(data.subarray(0, headLen + s.cutAfter - start));
        return;
      }
      if (s.stallAfter !== undefined && active.seen >= s.stallAfter) {
        // Keep the socket, drop the rest: the client waits on a connection that sends no more.
        client.write(data.subarray(0, Math.max(headLen, headLen + s.stallAfter - start)));
        upstream.removeAllListeners('data');
        upstream.pause();
        active = undefined;
        markStalled();
        return;
      }
      if (s.flipAt !== undefined && s.flipAt >= start && s.flipAt < active.seen) {
        data = Buffer.from(data);
        data[headLen + s.flipAt - start] ^= 0xff;
        active = undefined;
      }
      client.write(data);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    sabotage(s) {
      armed = s;
      if (s.stallAfter !== undefined) stalled = new Promise<void>((r) => (markStalled = r));
    },
    stalled: () => stalled,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
