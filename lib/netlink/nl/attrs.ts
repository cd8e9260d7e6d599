import { NLA_TYPE_MASK, align4 } from './constants';

/** One rtattr: its type (flags masked off) and payload (a view into the message). */
export interface Attr {
  type: number;
  data: Buffer;
}

/** Walks the rtattrs in `buf[off, end)`, in order; repeated types are kept. */
export function attrList(buf: Buffer, off = 0, end = buf.length): Attr[] {
  const out: Attr[] = [];
  while (off + 4 <= end) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > end) break; // malformed tail: stop rather than read past the message
    out.push({ type: buf.readUInt16LE(off + 2) & NLA_TYPE_MASK, data: buf.subarray(off + 4, off + len) });
    off += align4(len);
  }
  return out;
}

/** The rtattrs in `buf[off, end)` by type (the last one wins for repeated types). */
export function attrMap(buf: Buffer, off = 0, end = buf.length): Map<number, Buffer> {
  return new Map(attrList(buf, off, end).map((a) => [a.type, a.data] as const));
}

/** A NUL-terminated string payload. */
export function attrStr(data: Buffer | undefined): string | undefined {
  if (data === undefined) return undefined;
  const nul = data.indexOf(0);
  return data.toString('utf8', 0, nul < 0 ? data.length : nul);
}

export function attrU8(data: Buffer | undefined): number | undefined {
  return data && data.length >= 1 ? data.readUInt8(0) : undefined;
}
export function attrU16(data: Buffer | undefined): number | undefined {
  return data && data.length >= 2 ? data.readUInt16LE(0) : undefined;
}
export function attrBe16(data: Buffer | undefined): number | undefined {
  return data && data.length >= 2 ? data.readUInt16BE(0) : undefined;
}
export function attrU32(data: Buffer | undefined): number | undefined {
  return data && data.length >= 4 ? data.readUInt32LE(0) : undefined;
}
export function attrS32(data: Buffer | undefined): number | undefined {
  return data && data.length >= 4 ? data.readInt32LE(0) : undefined;
}
export function attrU64(data: Buffer | undefined): bigint | undefined {
  return data && data.length >= 8 ? data.readBigUInt64LE(0) : undefined;
}
