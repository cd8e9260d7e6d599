/**
 * One query in, one answer out (or none, for a packet not worth answering): decoding, the checks a
 * real resolver makes (a response is never answered, a non-QUERY opcode is NOTIMP, anything but one
 * question is FORMERR), the name table, and forwarding with SERVFAIL when no upstream answers.
 * Never throws: a malformed packet is FORMERR or dropped, an internal failure SERVFAIL.
 */
import {
  DnsFormatError, OPCODE_QUERY, RCODE, decodeMessage, encodeMessage, formatErrorReply, lookup, responseTo, truncateForUdp,
  type DnsEndpoint, type Message,
} from '../../../lib/dns';
import { parseIP, type IP } from '../../../lib/ip';
import type { ContainerRecord } from '../../../lib/runtime/container';

/** What answering needs from the outside: the stores' view now, and forwarding. */
export interface AnswerContext {
  snapshot(): Promise<{ endpoints: DnsEndpoint[]; records: ContainerRecord[] }>;
  leaseOwner(network: string, address: IP): string | undefined;
  upstreams(record: ContainerRecord | undefined): readonly string[];
  forward(query: Buffer, servers: readonly string[], transport: 'udp' | 'tcp'): Promise<Buffer | undefined>;
}

/** A query that arrived at network `network`'s resolver from `source`. */
export interface Incoming {
  readonly packet: Buffer;
  readonly network: string;
  readonly source: string;
  readonly transport: 'udp' | 'tcp';
}

const encode = (m: Message, transport: 'udp' | 'tcp'): Buffer => (transport === 'udp' ? truncateForUdp(m) : encodeMessage(m));

/** Answers one query (see the file comment). */
export async function answerQuery(ctx: AnswerContext, q: Incoming): Promise<Buffer | undefined> {
  let query: Message;
  try {
    query = decodeMessage(q.packet);
  } catch (err) {
    if (err instanceof DnsFormatError) return formatErrorReply(q.packet);
    throw err;
  }
  if (query.flags.qr) return undefined;
  if (query.flags.opcode !== OPCODE_QUERY) return encode(responseTo({ ...query, questions: [] }, RCODE.NOTIMP), q.transport);
  if (query.questions.length !== 1) return encode(responseTo({ ...query, questions: [] }, RCODE.FORMERR), q.transport);
  try {
    const { endpoints, records } = await ctx.snapshot();
    const address = parseIP(q.source);
    let asker: ContainerRecord | undefined;
    let result: ReturnType<typeof lookup> = { kind: 'forward' };
    if (address !== undefined) {
      // The lease names the asker even before its state is saved; its endpoints on other networks
      // come from the store. An address with no lease on this network is no container of it.
      const owner = ctx.leaseOwner(q.network, address);
      asker = records.find((r) => r.config.id === owner);
      const own = owner === undefined ? [] : [{ network: q.network, containerId: owner, name: asker?.config.name ?? owner, aliases: [], addresses: [q.source] }];
      result = lookup([...endpoints, ...own], { network: q.network, address }, query.questions[0]!);
    }
    if (result.kind === 'answer') return encode(responseTo(query, RCODE.NOERROR, result.records, { aa: true }), q.transport);
    if (result.kind === 'nxdomain') return encode(responseTo(query, RCODE.NXDOMAIN, [], { aa: true }), q.transport);
    const answer = await ctx.forward(q.packet, ctx.upstreams(asker), q.transport);
    return answer ?? encode(responseTo(query, RCODE.SERVFAIL), q.transport);
  } catch {
    return encode(responseTo(query, RCODE.SERVFAIL), q.transport);
  }
}
