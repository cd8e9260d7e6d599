/**
 * Names and comments that identify one attachment's firewall state. They are byte-for-byte those of
 * the reference plugins (containernetworking/plugins `pkg/utils/utils.go`, `pkg/ip/ipmasq_*_linux.go`,
 * `pkg/link/spoofcheck.go`), so that rules written by the reference are found and removed by berth and
 * the other way round.
 */
import { createHash } from 'node:crypto';

const CHAIN_PREFIX = 'CNI-';
/** iptables chain names are at most 28 characters (XT_EXTENSION_MAXNAMELEN 29 with the NUL). */
const MAX_CHAIN_LENGTH = 28;
/** knftables' CommentLengthMax: the reference cuts nft rule comments to this many bytes. */
export const NFT_COMMENT_MAX = 128;

function sha512Hex(text: string): string {
  return createHash('sha512').update(text, 'utf8').digest('hex');
}

/**
 * The per-attachment iptables chain: `CNI-` + the first 24 hex digits of sha512(network + containerID);
 * with a `prefix` (portmap's `DN-`, `SN-`) the digits are cut to keep the name at 28 characters.
 * The reference ignores ifname here "for historical reasons", so every interface of one container on
 * one network shares the chain; berth must do the same to find the reference's chains.
 */
export function formatChainName(network: string, containerId: string, prefix = ''): string {
  return (CHAIN_PREFIX + prefix + sha512Hex(network + containerId)).slice(0, MAX_CHAIN_LENGTH);
}

/** The iptables rule comment: `name: "<network>" id: "<containerID>"`, quoted as Go's `%q` does. */
export function formatComment(network: string, containerId: string): string {
  return `name: ${goQuote(network)} id: ${goQuote(containerId)}`;
}

/**
 * Recovers network and container ID from a comment written by formatComment, or undefined for any
 * other comment (portmap's and other tools' comments look different or fail the round trip).
 */
export function parseComment(comment: string): { network: string; containerId: string } | undefined {
  const m = /^name: ("(?:[^"\\]|\\.)*") id: ("(?:[^"\\]|\\.)*")$/.exec(comment);
  if (!m) return undefined;
  const network = goUnquote(m[1]!);
  const containerId = goUnquote(m[2]!);
  if (network === undefined || containerId === undefined) return undefined;
  return { network, containerId };
}

/**
 * The comment on one interface's own rules in the shared iptables chain: `if: "<ifname>" name:
 * "<network>" id: "<containerID>"`. The chain is per (network, container ID) for compatibility, so
 * only the interface is new information; it goes first, where xt_comment's 255-byte cut can never
 * reach it (an interface name is at most 15 bytes). The reference empties the chain before deleting
 * it, so it removes these rules as it removes its own.
 */
export function formatAttachmentComment(network: string, containerId: string, ifname: string): string {
  return `if: ${goQuote(ifname)} ${formatComment(network, containerId)}`;
}

/** The interface of a comment written by formatAttachmentComment, or undefined for any other. */
export function parseAttachmentComment(comment: string): string | undefined {
  const m = /^if: ("(?:[^"\\]|\\.)*")(?: |$)/.exec(comment);
  return m ? goUnquote(m[1]!) : undefined;
}

const NAMED_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\',
};

/**
 * Go's strconv.Quote for the characters CNI names can hold. Printable non-ASCII characters stay as
 * they are (Go keeps what unicode.IsPrint accepts; letters, marks, numbers, punctuation and symbols
 * approximate it); other characters become `\xNN`, `\uNNNN` or `\UNNNNNNNN` as Go writes them.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const named = NAMED_ESCAPES[ch];
    if (named !== undefined) out += named;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (/^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(ch)) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return out + '"';
}

const UNESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '"': '"', '\\': '\\' };

/** The inverse of goQuote, for the escapes it writes; undefined for anything it would not write. */
export function goUnquote(q: string): string | undefined {
  if (q.length < 2 || !q.startsWith('"') || !q.endsWith('"')) return undefined;
  const body = q.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) return undefined;
    if (UNESCAPES[e] !== undefined) {
      out += UNESCAPES[e];
      continue;
    }
    const len = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = body.slice(i + 1, i + 1 + len);
    if (len === 0 || !new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) return undefined;
    out += String.fromCodePoint(parseInt(hex, 16));
    i += len;
  }
  return out;
}

/** nftables masquerade: the first 16 hex digits of sha512(network), the prefix of all its comments. */
export function nftNetworkHash(network: string): string {
  return sha512Hex(network).slice(0, 16);
}

/**
 * nftables masquerade: `<hash16(network)>-<hash16(ifname + ":" + containerID)>`, the prefix of one
 * attachment's rule comments. Unlike the iptables chain it includes ifname (the reference's fix).
 */
export function nftInstanceHash(network: string, ifname: string, containerId: string): string {
  return `${nftNetworkHash(network)}-${sha512Hex(`${ifname}:${containerId}`).slice(0, 16)}`;
}

/**
 * The nftables masquerade rule comment: `<instance hash>, net: <network>, if: <ifname>, id: <cid>`,
 * with double quotes removed (nft strings cannot escape them) and cut to 128 bytes like the reference.
 * Lookups go by the hash prefix, which the cut never reaches.
 */
export function nftComment(network: string, ifname: string, containerId: string): string {
  const strip = (s: string): string => s.replaceAll('"', '');
  const full = `${nftInstanceHash(network, ifname, containerId)}, net: ${strip(network)}, if: ${strip(ifname)}, id: ${strip(containerId)}`;
  const bytes = Buffer.from(full, 'utf8');
  return bytes.length <= NFT_COMMENT_MAX ? full : bytes.subarray(0, NFT_COMMENT_MAX).toString('utf8');
}

/** Recovers the instance hash, ifname and container ID from an nft comment (the ID may be cut short). */
export function parseNftComment(comment: string): { key: string; ifname: string; containerId: string; truncated: boolean } | undefined {
  const m = /^([0-9a-f]{16}-[0-9a-f]{16}), net: .*?, if: (.*?), id: (.*)$/s.exec(comment);
  if (!m) return undefined;
  return { key: m[1]!, ifname: m[2]!, containerId: m[3]!, truncated: Buffer.byteLength(comment, 'utf8') >= NFT_COMMENT_MAX };
}

/** macspoofchk: the reference's per-attachment ID, `<containerID>-<ifname>` (bridge.go uniqueID). */
export function spoofCheckRefId(containerId: string, ifname: string): string {
  return `${containerId}-${ifname}`;
}
