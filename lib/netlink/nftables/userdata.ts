/**
 * libnftnl's userdata: what nft stores beside a table, chain or rule and the kernel keeps opaque. A
 * list of TLVs, one byte type and one byte length; the comment (type 0 for all three objects) is a
 * NUL-terminated string. `nft --debug=netlink` prints `userdata = { \x00\x04abc\x00 }`.
 */
import { NFTNL_UDATA_COMMENT } from './constants';

/** The userdata carrying `comment`. */
export function commentUserdata(comment: string): Buffer {
  const text = Buffer.from(`${comment}\0`);
  // nft itself refuses comments over 128 bytes; a TLV length is one byte.
  if (text.length > 255) throw new RangeError(`nftables comment too long (${text.length} bytes)`);
  return Buffer.concat([Buffer.from([NFTNL_UDATA_COMMENT, text.length]), text]);
}

/** The comment in a userdata blob, if any. */
export function userdataComment(data: Buffer | undefined): string | undefined {
  if (!data) return undefined;
  for (let off = 0; off + 2 <= data.length;) {
    const [type, len] = [data[off]!, data[off + 1]!];
    if (off + 2 + len > data.length) break;
    if (type === NFTNL_UDATA_COMMENT) {
      const v = data.subarray(off + 2, off + 2 + len);
      const nul = v.indexOf(0);
      return v.toString('utf8', 0, nul < 0 ? v.length : nul);
    }
    off += 2 + len;
  }
  return undefined;
}
