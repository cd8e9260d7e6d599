/**
 * The challenges of a `WWW-Authenticate` header (RFC 7235): `Bearer realm="https://auth/token",
 * service="registry",scope="repository:a/b:pull,push"`, `Basic realm="Registry"`, several in one
 * header or over several headers. Quoted values may hold commas and `\"` escapes, which a split on
 * commas would break (a push scope always has one).
 */

/** One challenge: the scheme in lowercase and its parameters (names in lowercase). */
export interface AuthChallenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN_END = /[\s,=]/;

/** Every challenge in `header` (a header value, or the values of repeated headers), in order. */
export function parseWwwAuthenticate(header: string | readonly string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  if (typeof header !== 'string') return header.flatMap((h) => parseWwwAuthenticate(h));
  const out: { scheme: string; params: Record<string, string> }[] = [];
  let pos = 0;
  const skip = (chars: RegExp): void => {
    while (pos < header.length && chars.test(header[pos]!)) pos++;
  };
  const token = (): string => {
    const start = pos;
    while (pos < header.length && !TOKEN_END.test(header[pos]!)) pos++;
    return header.slice(start, pos);
  };
  const value = (): string => {
    if (header[pos] !== '"') return token();
    let text = '';
    for (pos++; pos < header.length && header[pos] !== '"'; pos++) {
      if (header[pos] === '\\' && pos + 1 < header.length) pos++;
      text += header[pos];
    }
    pos++; // the closing quote (or the end of an unterminated value)
    return text;
  };
  while (pos < header.length) {
    skip(/[\s,]/);
    const name = token();
    if (name === '') {
      pos++; // a stray '=': skip it rather than loop
      continue;
    }
    skip(/\s/);
    const current = out[out.length - 1];
    if (header[pos] === '=' && current !== undefined) {
      pos++;
      skip(/\s/);
      current.params[name.toLowerCase()] = value();
    } else {
      out.push({ scheme: name.toLowerCase(), params: {} });
    }
  }
  return out;
}
