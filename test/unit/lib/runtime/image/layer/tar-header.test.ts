import assert from 'node:assert/strict';
import tarStream from 'tar-stream';
import { decodeHeader, encodeHeader, formatPaxRecords, parsePaxRecords, splitUstarName, type TarHeader } from '../../../../../../lib/runtime/image/layer/tar-header';

const base: TarHeader = { name: 'etc/hosts', mode: 0o644, uid: 0, gid: 0, size: 12, mtime: 1700000000, typeflag: '0', linkname: '', devmajor: 0, devminor: 0 };

async function firstBlock(header: Partial<tarStream.Header> & { name: string }): Promise<Buffer> {
  const pack = tarStream.pack();
  pack.entry(header);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks).subarray(0, 512);
}

describe('lib/runtime/image/layer/tar-header', () => {
  it('decodes a header tar-stream wrote', async () => {
    const block = await firstBlock({ name: 'dev/null', type: 'character-device', mode: 0o666, uid: 1000, gid: 1001, mtime: new Date(1700000000000), devmajor: 1, devminor: 3 });
    assert.deepEqual(decodeHeader(block), { name: 'dev/null', mode: 0o666, uid: 1000, gid: 1001, size: 0, mtime: 1700000000, typeflag: '3', linkname: '', devmajor: 1, devminor: 3 });
  });

  it('encodes what it decodes, and tar-stream reads it back', async () => {
    const h: TarHeader = { ...base, name: 'usr/bin/sudo', mode: 0o4755, uid: 1000, gid: 1000 };
    const { header, pax } = encodeHeader(h);
    assert.equal(pax.size, 0);
    assert.deepEqual(decodeHeader(header), h);
    const extract = tarStream.extract();
    const got = new Promise<tarStream.Header>((resolve) => extract.on('entry', (hdr, stream, next) => { stream.resume(); next(); resolve(hdr); }));
    extract.end(Buffer.concat([header, Buffer.alloc(512), Buffer.alloc(1024)]));
    const hdr = await got;
    assert.deepEqual([hdr.name, hdr.mode, hdr.uid, hdr.size, hdr.type], ['usr/bin/sudo', 0o4755, 1000, 12, 'file']);
  });

  it('returns undefined for the zero block and refuses a bad checksum or a non-octal number', () => {
    assert.equal(decodeHeader(Buffer.alloc(512)), undefined);
    const { header } = encodeHeader(base);
    const corrupt = Buffer.from(header);
    corrupt[0] = 0x41;
    assert.throws(() => decodeHeader(corrupt), /bad checksum/);
    assert.throws(() => decodeHeader(Buffer.alloc(512, 'x')), /checksum/);
  });

  it('reads GNU base-256 numbers', () => {
    const { header } = encodeHeader(base);
    const big = Buffer.from(header);
    big.fill(0, 124, 136);
    big[124] = 0x80;
    big.writeUIntBE(9 * 2 ** 33, 130, 6); // 72 GiB: more than the 11 octal digits hold
    big.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of big) sum += b;
    big.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    assert.equal(decodeHeader(big)?.size, 9 * 2 ** 33);
  });

  it('splits long ASCII names into ustar prefix/name and leaves the rest to PAX', () => {
    const long = `${'d'.repeat(120)}/file`;
    assert.deepEqual(splitUstarName(long), { prefix: 'd'.repeat(120), name: 'file' });
    assert.equal(splitUstarName(`${'x'.repeat(101)}`), undefined);
    assert.equal(splitUstarName('caf\xc3\xa9'), undefined);
    const { pax, header } = encodeHeader({ ...base, name: long });
    assert.equal(pax.size, 0);
    assert.equal(decodeHeader(header)?.name, long);
    const utf8 = encodeHeader({ ...base, name: 'caf\xc3\xa9', uid: 3_000_000, size: 2 ** 34 });
    assert.deepEqual([...utf8.pax.keys()].sort(), ['path', 'size', 'uid']);
    assert.deepEqual(utf8.pax.get('path'), Buffer.from('café'));
  });

  it('formats PAX records with lengths that count themselves and parses binary values back', () => {
    const records = new Map([['path', Buffer.from('a'.repeat(95))], ['SCHILY.xattr.security.capability', Buffer.from([1, 0, 0, 2, 0x20, 0, 0, 0, 0x0a, 0xff])]]);
    const text = formatPaxRecords(records);
    assert.equal(text.toString('latin1').split('\n')[0], `105 path=${'a'.repeat(95)}`);
    assert.deepEqual(parsePaxRecords(text), records);
    assert.throws(() => parsePaxRecords(Buffer.from('99 path=x\n')), /invalid PAX record/);
    assert.throws(() => parsePaxRecords(Buffer.from('8 pathx\n')), /invalid PAX record/);
  });
});
