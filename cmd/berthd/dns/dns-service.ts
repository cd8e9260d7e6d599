/**
 * berthd's embedded DNS: one resolver per network with DNS, listening on UDP and TCP port 53 of the
 * network's gateway address on this host (podman's aardvark-dns scheme rather than Docker's
 * 127.0.0.11 in every container's netns: one socket pair per network instead of a socket and a DNAT
 * rule per container, nothing to set up inside a container's netns, and it serves bridge and overlay
 * networks alike; see lib/runtime/network/network-dns.ts for macvlan). The set of resolvers is
 * reconciled against the network store at start, whenever berth asks (`POST /v1/dns/sync`, before a
 * container on such a network runs) and every resync period. Answers are computed per query from
 * the stores (dns-view.ts), so a restarted berthd answers exactly as the one before it.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../../../lib/log';
import { parseIP } from '../../../lib/ip';
import { answerQuery, type AnswerContext } from './dns-answer';
import { forwardQuery } from './dns-forward';
import { DnsView, type DnsViewOptions, type ResolverSpec } from './dns-view';

const DNS_PORT = 53;
/** A TCP client idle this long is closed (RFC 7766 suggests seconds, not minutes). */
const TCP_IDLE_MS = 10_000;
/** A TCP client whose buffered bytes exceed one largest message is misbehaving: it is dropped. */
const TCP_MAX_MESSAGE = 65_535;

interface Listener {
  readonly spec: ResolverSpec;
  readonly udp: dgram.Socket;
  readonly tcp: net.Server;
}

/** What {@link DnsService.sync} reports. */
export interface DnsSyncReport {
  readonly listeners: ResolverSpec[];
  /** Network name → why its resolver could not listen (its bridge is not up yet, say). */
  readonly failures: Record<string, string>;
}

const keyOf = (s: ResolverSpec): string => `${s.network}|${s.address}`;

/** The resolvers of this host. */
export class DnsService {
  readonly #view: DnsView;
  readonly #log: Logger;
  readonly #listeners = new Map<string, Listener>();
  readonly #ctx: AnswerContext;
  #syncing: Promise<DnsSyncReport> | undefined;
  /** The berth root whose stores the answers come from. */
  readonly berthRoot: string;

  constructor(opts: DnsViewOptions, log: Logger) {
    this.berthRoot = opts.berthRoot;
    this.#view = new DnsView(opts);
    this.#log = log.child({ part: 'dns' });
    const view = this.#view;
    this.#ctx = {
      snapshot: () => view.snapshot(),
      leaseOwner: (n, a) => view.leaseOwner(n, a),
      upstreams: (r) => view.upstreams(r),
      forward: forwardQuery,
    };
  }

  /** Binds the resolvers the network store asks for and closes the others. Concurrent calls share one run. */
  sync(): Promise<DnsSyncReport> {
    this.#syncing ??= this.#sync().finally(() => { this.#syncing = undefined; });
    return this.#syncing;
  }

  /** The resolvers listening now. */
  listening(): ResolverSpec[] {
    return [...this.#listeners.values()].map((l) => l.spec);
  }

  /** Closes every resolver. */
  async close(): Promise<void> {
    await Promise.all([...this.#listeners.keys()].map((k) => this.#closeListener(k)));
  }

  async #sync(): Promise<DnsSyncReport> {
    const failures: Record<string, string> = {};
    let wanted: ResolverSpec[];
    try {
      wanted = this.#view.resolvers();
    } catch (err) {
      // An unreadable store is no reason to drop resolvers that serve: keep them, report.
      this.#log.warn({ err }, 'cannot read the network store; resolvers kept as they are');
      return { listeners: this.listening(), failures: { '*': (err as Error).message } };
    }
    const keys = new Set(wanted.map(keyOf));
    for (const k of [...this.#listeners.keys()]) if (!keys.has(k)) await this.#closeListener(k);
    for (const spec of wanted) {
      if (this.#listeners.has(keyOf(spec))) continue;
      try {
        this.#listeners.set(keyOf(spec), await this.#listen(spec));
        this.#log.info(spec, 'DNS resolver listening');
      } catch (err) {
        failures[spec.network] = `${spec.address}:${DNS_PORT}: ${(err as Error).message}`;
        this.#log.debug({ ...spec, err: (err as Error).message }, 'DNS resolver cannot listen yet');
      }
    }
    return { listeners: this.listening(), failures };
  }

  async #closeListener(key: string): Promise<void> {
    const l = this.#listeners.get(key);
    if (!l) return;
    this.#listeners.delete(key);
    try { l.udp.close(); } catch { /* closed already after a socket error */ }
    await new Promise<void>((r) => l.tcp.close(() => r()));
    this.#log.info(l.spec, 'DNS resolver closed');
  }

  async #listen(spec: ResolverSpec): Promise<Listener> {
    const family = parseIP(spec.address)?.family === 6 ? 'udp6' : 'udp4';
    const udp = dgram.createSocket({ type: family });
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: spec.address, port: DNS_PORT, exclusive: true }, () => { udp.off('error', reject); resolve(); });
    });
    udp.on('error', (err) => this.#log.warn({ ...spec, err }, 'DNS UDP socket error'));
    udp.on('message', (packet, rinfo) => {
      void answerQuery(this.#ctx, { packet, network: spec.network, source: rinfo.address, transport: 'udp' }).then((answer) => {
        if (answer !== undefined) udp.send(answer, rinfo.port, rinfo.address);
      });
    });
    const tcp = net.createServer((conn) => this.#serveTcp(conn, spec));
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: spec.address, port: DNS_PORT, exclusive: true }, () => { tcp.off('error', reject); resolve(); });
      });
    } catch (err) {
      udp.close();
      throw err;
    }
    tcp.on('error', (err) => this.#log.warn({ ...spec, err }, 'DNS TCP listener error'));
    return { spec, udp, tcp };
  }

  /** DNS over TCP (RFC 1035 4.2.2, RFC 7766): 2-byte length-prefixed messages, answered in order. */
  #serveTcp(conn: net.Socket, spec: ResolverSpec): void {
    let buf = Buffer.alloc(0);
    let chain = Promise.resolve();
    conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > TCP_MAX_MESSAGE + 2) return void conn.destroy();
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const packet = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + packet.length);
        chain = chain.then(async () => {
          const answer = await answerQuery(this.#ctx, { packet, network: spec.network, source: conn.remoteAddress ?? '', transport: 'tcp' });
          if (answer === undefined || conn.destroyed) return;
          const len = Buffer.alloc(2);
          len.writeUInt16BE(answer.length);
          conn.write(Buffer.concat([len, answer]));
        });
      }
    });
  }
}
