/**
 * The DNS wire format (RFC 1035 section 4), as much as an embedded resolver needs: whole messages
 * decoded (header, questions, resource records with their rdata kept as bytes) and encoded (names
 * written uncompressed: answers about containers are a few records, and an encoder without
 * compression cannot write a bad pointer). Hand-written rather than dns-packet: the parts used are
 * ~200 lines, and every bound of a hostile packet is checked here, where the tests can see it.
 *
 * Decoding never trusts the packet: a count larger than the bytes left, a label past the end, a
 * compression pointer that does not point strictly backwards (the only way a loop can form), a name
 * over 255 bytes: each is a {@link DnsFormatError}, never an exception of another kind or a hang.
 */

/** Record types used by berth's resolver (IANA numbers). */
export const TYPE = { A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, ANY: 255 } as const;
/** The Internet class. */
export const CLASS_IN = 1;
/** Response codes (RFC 1035 4.1.1). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
/** The standard query opcode; every other opcode is answered NOTIMP. */
export const OPCODE_QUERY = 0;

/** The largest DNS message over UDP without EDNS (RFC 1035 4.2.1). */
export const UDP_PAYLOAD_MAX = 512;
const HEADER_LEN = 12;
const NAME_MAX = 255;
const LABEL_MAX = 63;

/** A packet that is not a DNS message; the message says where it broke. */
export class DnsFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DnsFormatError';
  }
}

/** The header's second 16-bit word, split into its fields. */
export interface Flags {
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly rcode: number;
}

/** One question: a name (lowercase kept as sent, no trailing dot), its type and class. */
export interface Question {
  readonly name: string;
  readonly type: number;
  readonly class: number;
}

/** One resource record; `data` is the rdata as sent (names in it may be compressed pointers into the message). */
export interface ResourceRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly data: Buffer;
  /** Where `data` starts in the decoded message (to decode a compressed name in it); absent when built. */
  readonly dataOffset?: number;
}

/** A whole DNS message. */
export interface Message {
  readonly id: number;
  readonly flags: Flags;
  readonly questions: readonly Question[];
  readonly answers: readonly ResourceRecord[];
  readonly authorities: readonly ResourceRecord[];
  readonly additionals: readonly ResourceRecord[];
}

/** Splits the flags word. */
export function parseFlags(word: number): Flags {
  return {
    qr: (word & 0x8000) !== 0,
    opcode: (word >> 11) & 0xf,
    aa: (word & 0x0400) !== 0,
    tc: (word & 0x0200) !== 0,
    rd: (word & 0x0100) !== 0,
    ra: (word & 0x0080) !== 0,
    rcode: word & 0xf,
  };
}

/** Joins the flags word. */
export function flagsWord(f: Flags): number {
  return (f.qr ? 0x8000 : 0) | ((f.opcode & 0xf) << 11) | (f.aa ? 0x0400 : 0) | (f.tc ? 0x0200 : 0) | (f.rd ? 0x0100 : 0) | (f.ra ? 0x0080 : 0) | (f.rcode & 0xf);
}

/**
 * Reads the name at `offset` of `msg`, following compression pointers. Each pointer must point before
 * the label that holds it, so every jump goes strictly backwards and a loop cannot form.
 * @returns the name (labels joined by ".", "" for the root) and the offset just past it where it was written
 * @throws {DnsFormatError}
 */
export function decodeName(msg: Buffer, offset: number): { name: string; next: number } {
  const labels: string[] = [];
  let pos = offset;
  let next = -1;
  let length = 1; // the root label's length byte
  for (;;) {
    if (pos >= msg.length) throw new DnsFormatError(`name at offset ${offset} runs past the end of the message`);
    const len = msg[pos]!;
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) throw new DnsFormatError(`compression pointer at offset ${pos} is cut off`);
      const target = ((len & 0x3f) << 8) | msg[pos + 1]!;
      if (target >= pos) throw new DnsFormatError(`compression pointer at offset ${pos} does not point backwards (to ${target})`);
      if (next < 0) next = pos + 2;
      pos = target;
      continue;
    }
    if ((len & 0xc0) !== 0) throw new DnsFormatError(`label type 0x${(len & 0xc0).toString(16)} at offset ${pos} is not supported`);
    if (len === 0) {
      if (next < 0) next = pos + 1;
      return { name: labels.join('.'), next };
    }
    if (pos + 1 + len > msg.length) throw new DnsFormatError(`label at offset ${pos} runs past the end of the message`);
    length += len + 1;
    if (length > NAME_MAX) throw new DnsFormatError(`name at offset ${offset} is longer than ${NAME_MAX} bytes`);
    labels.push(msg.toString('latin1', pos + 1, pos + 1 + len));
    pos += len + 1;
  }
}

function u16(msg: Buffer, pos: number, what: string): number {
  if (pos + 2 > msg.length) throw new DnsFormatError(`${what} at offset ${pos} runs past the end of the message`);
  return msg.readUInt16BE(pos);
}

function records(msg: Buffer, pos: number, count: number, section: string): { rrs: ResourceRecord[]; next: number } {
  const rrs: ResourceRecord[] = [];
  for (let i = 0; i < count; i++) {
    const { name, next } = decodeName(msg, pos);
    if (next + 10 > msg.length) throw new DnsFormatError(`${section} record ${i} is cut off at offset ${next}`);
    const type = msg.readUInt16BE(next);
    const cls = msg.readUInt16BE(next + 2);
    const ttl = msg.readUInt32BE(next + 4);
    const rdlen = msg.readUInt16BE(next + 8);
    const start = next + 10;
    if (start + rdlen > msg.length) throw new DnsFormatError(`${section} record ${i}: rdata of ${rdlen} bytes runs past the end of the message`);
    rrs.push({ name, type, class: cls, ttl, data: msg.subarray(start, start + rdlen), dataOffset: start });
    pos = start + rdlen;
  }
  return { rrs, next: pos };
}

/**
 * Decodes a whole message. The counts are checked as the sections are read, so a header claiming
 * 65,535 questions in a 20-byte packet fails at the first missing byte.
 * @throws {DnsFormatError}
 */
export function decodeMessage(msg: Buffer): Message {
  if (msg.length < HEADER_LEN) throw new DnsFormatError(`message of ${msg.length} bytes is shorter than the ${HEADER_LEN}-byte header`);
  const id = msg.readUInt16BE(0);
  const flags = parseFlags(msg.readUInt16BE(2));
  const [qd, an, ns, ar] = [4, 6, 8, 10].map((o) => msg.readUInt16BE(o)) as [number, number, number, number];
  let pos = HEADER_LEN;
  const questions: Question[] = [];
  for (let i = 0; i < qd; i++) {
    const { name, next } = decodeName(msg, pos);
    const type = u16(msg, next, `question ${i} type`);
    const cls = u16(msg, next + 2, `question ${i} class`);
    questions.push({ name, type, class: cls });
    pos = next + 4;
  }
  const answers = records(msg, pos, an, 'answer');
  const authorities = records(msg, answers.next, ns, 'authority');
  const additionals = records(msg, authorities.next, ar, 'additional');
  return { id, flags, questions, answers: answers.rrs, authorities: authorities.rrs, additionals: additionals.rrs };
}

/**
 * A name in wire form, uncompressed. A trailing dot is accepted ("a.b." is "a.b").
 * @throws {DnsFormatError} an empty label, a label over 63 bytes, a name over 255 bytes
 */
export function encodeName(name: string): Buffer {
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed === '') return Buffer.from([0]);
  const parts: Buffer[] = [];
  for (const label of trimmed.split('.')) {
    const bytes = Buffer.from(label, 'latin1');
    if (bytes.length === 0 || bytes.length > LABEL_MAX) throw new DnsFormatError(`label ${JSON.stringify(label)} of ${JSON.stringify(name)} must be 1 to ${LABEL_MAX} bytes`);
    parts.push(Buffer.from([bytes.length]), bytes);
  }
  parts.push(Buffer.from([0]));
  const out = Buffer.concat(parts);
  if (out.length > NAME_MAX) throw new DnsFormatError(`name ${JSON.stringify(name)} is longer than ${NAME_MAX} bytes`);
  return out;
}

function encodeRecord(rr: ResourceRecord): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(rr.type, 0);
  fixed.writeUInt16BE(rr.class, 2);
  fixed.writeUInt32BE(rr.ttl >>> 0, 4);
  fixed.writeUInt16BE(rr.data.length, 8);
  return Buffer.concat([encodeName(rr.name), fixed, rr.data]);
}

/** Encodes a message (names uncompressed). */
export function encodeMessage(m: Message): Buffer {
  const header = Buffer.alloc(HEADER_LEN);
  header.writeUInt16BE(m.id & 0xffff, 0);
  header.writeUInt16BE(flagsWord(m.flags), 2);
  [m.questions, m.answers, m.authorities, m.additionals].forEach((s, i) => header.writeUInt16BE(s.length, 4 + 2 * i));
  const questions = m.questions.map((q) => {
    const tail = Buffer.alloc(4);
    tail.writeUInt16BE(q.type, 0);
    tail.writeUInt16BE(q.class, 2);
    return Buffer.concat([encodeName(q.name), tail]);
  });
  return Buffer.concat([header, ...questions, ...[...m.answers, ...m.authorities, ...m.additionals].map(encodeRecord)]);
}

/**
 * The response to `query` with `rcode` and `answers`: same id, opcode, RD and question, QR set, RA set
 * (the resolver recurses by forwarding), AA for names it is the authority of.
 */
export function responseTo(query: Message, rcode: number, answers: readonly ResourceRecord[] = [], opts: { aa?: boolean } = {}): Message {
  return {
    id: query.id,
    flags: { qr: true, opcode: query.flags.opcode, aa: opts.aa ?? false, tc: false, rd: query.flags.rd, ra: true, rcode },
    questions: query.questions,
    answers,
    authorities: [],
    additionals: [],
  };
}

/**
 * A reply to a packet that could not be decoded past its header: the id and opcode kept, no question
 * (there is none to echo), FORMERR. Undefined when even the header is missing: such a packet is dropped.
 */
export function formatErrorReply(packet: Buffer): Buffer | undefined {
  if (packet.length < HEADER_LEN) return undefined;
  const flags = parseFlags(packet.readUInt16BE(2));
  if (flags.qr) return undefined; // never answer an answer: two resolvers would bounce it forever
  return encodeMessage({
    id: packet.readUInt16BE(0),
    flags: { qr: true, opcode: flags.opcode, aa: false, tc: false, rd: flags.rd, ra: true, rcode: RCODE.FORMERR },
    questions: [], answers: [], authorities: [], additionals: [],
  });
}

/**
 * Fits a UDP answer into `max` bytes as RFC 2181 9 says: when the records do not fit, the answer goes
 * with TC set and no records, and the client asks again over TCP.
 */
export function truncateForUdp(m: Message, max = UDP_PAYLOAD_MAX): Buffer {
  const full = encodeMessage(m);
  if (full.length <= max) return full;
  return encodeMessage({ ...m, flags: { ...m.flags, tc: true }, answers: [], authorities: [], additionals: [] });
}
