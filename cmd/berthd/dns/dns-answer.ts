/**
 * One query in, one answer out (or none, for a packet not worth answering): decoding, the checks a
 * real resolver makes (a response is never answered, a non-QUERY opcode is NOTIMP, anything but one
 * question is FORMERR, an asker that is no container of the network is REFUSED), the name table, and
 * forwarding with SERVFAIL when no upstream answers.
 * Never throws: a malformed packet is FORMERR or dropped, an internal failure SERVFAIL.
 */
import {
  DnsFormatError, OPCODE_QUERY, RCODE, decodeMessage, encodeMessage, findAsker, formatErrorReply, lookup, responseTo, truncateForUdp,
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
    // The IPAM lease names the asker even in the instant before its state is saved; the endpoints
    // are the fallback. An address that is neither is no container of this network: REFUSED, so the
    // resolver never serves (or amplifies for) whoever can route to the gateway.
    const askerId = address === undefined ? undefined : ctx.leaseOwner(q.network, address) ?? findAsker(endpoints, q.network, address);
    if (askerId === undefined) return encode(responseTo(query, RCODE.REFUSED), q.transport);
    const result = lookup(endpoints, { containerId: askerId, network: q.network }, query.questions[0]!);
    if (result.kind === 'answer') return encode(responseTo(query, RCODE.NOERROR, result.records, { aa: true }), q.transport);
    if (result.kind === 'nxdomain') return encode(responseTo(query, RCODE.NXDOMAIN, [], { aa: true }), q.transport);
    const answer = await ctx.forward(q.packet, ctx.upstreams(records.find((r) => r.config.id === askerId)), q.transport);
    return answer ?? encode(responseTo(query, RCODE.SERVFAIL), q.transport);
  } catch {
    return encode(responseTo(query, RCODE.SERVFAIL), q.transport);
  }
}
