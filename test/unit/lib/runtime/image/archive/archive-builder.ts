// Building test archives member by member with tar-stream, and taking the fixture apart to damage it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar-stream';

export type Header = Partial<tar.Header> & { name: string };
/** One member: its header and, for a file, its content. */
export interface Member {
  header: Header;
  body?: Buffer;
}

export const FIXTURES = join(__dirname, '../../../../../fixtures/images');
export const fixture = (name: 'berth-fixture.docker.tar' | 'berth-fixture.oci.tar'): Buffer => readFileSync(join(FIXTURES, name));

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
export const hexOf = (digest: string): string => digest.slice('sha256:'.length);

/** A file member. */
export const file = (name: string, body: Buffer | string, extra: Partial<tar.Header> = {}): Member => ({
  header: { name, type: 'file', mode: 0o644, mtime: new Date(0), ...extra },
  body: Buffer.from(body),
});
export const dir = (name: string): Member => ({ header: { name, type: 'directory', mode: 0o755, mtime: new Date(0) } });
export const symlink = (name: string, linkname: string): Member => ({ header: { name, type: 'symlink', linkname, mtime: new Date(0) } });
export const json = (name: string, value: unknown): Member => file(name, JSON.stringify(value));

/** The tar of `members`. */
export async function tarOf(members: Member[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  for (const { header, body } of members) {
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (body === undefined) pack.entry(header, cb);
      else pack.entry(header, body, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The members of the tar `bytes`, content read. */
export async function membersOf(bytes: Buffer): Promise<Member[]> {
  const extract = tar.extract();
  const out: Member[] = [];
  extract.end(bytes);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
    const { name, type, mode, linkname, uid, gid, mtime } = entry.header;
    out.push({ header: { name, type, mode, linkname, uid, gid, mtime }, body: type === 'file' ? Buffer.concat(chunks) : undefined });
  }
  return out;
}

/** `members` with the one named `name` replaced (or dropped, when `replace` gives undefined). */
export function edit(members: Member[], name: string, replace: (m: Member) => Member | undefined): Member[] {
  if (!members.some((m) => m.header.name === name)) throw new Error(`no member ${name}`);
  return members.flatMap((m) => (m.header.name === name ? [replace(m)].filter((x): x is Member => x !== undefined) : [m]));
}

/** The JSON body of member `name`. */
export function bodyJson(members: Member[], name: string): any {
  return JSON.parse(members.find((m) => m.header.name === name)!.body!.toString());
}
