// Layer tars built with tar-stream (an independent writer, so the tests do not only check berth's
// reader against berth's packer), and the helpers to feed them to unpackLayer.
import { Readable } from 'node:stream';
import tarStream from 'tar-stream';

/** One member: tar-stream's header (PAX records in `pax`), with a body for files. */
export type Member = Partial<tarStream.Header> & { name: string; pax?: Record<string, string>; body?: string | Buffer };

/** The tar of `members`, in order, ending with tar-stream's end-of-archive blocks. */
export async function tarOf(members: Member[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const out = (async () => {
    const chunks: Buffer[] = [];
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
    return Buffer.concat(chunks);
  })();
  for (const { body, ...header } of members) {
    await new Promise<void>((resolve, reject) => pack.entry({ ...header, mtime: header.mtime ?? new Date(1_700_000_000_000) }, body ?? '', (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  return out;
}

/** A Readable of `data` in chunks of `size` bytes (to cross block and header boundaries). */
export function streamOf(data: Buffer, size = 1000): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) chunks.push(data.subarray(at, at + size));
  return Readable.from(chunks);
}

/** Everything a Readable yields, as one Buffer. */
export async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
