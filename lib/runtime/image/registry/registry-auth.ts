/**
 * The distribution spec's authentication as Docker does it: a request answered 401 carries a
 * `WWW-Authenticate` challenge; `Basic` means sending the stored credentials on every request;
 * `Bearer realm=...,service=...` means asking the realm for a token for the repository scope
 * (`repository:<name>:pull` or `:pull,push`), with the stored credentials when there are some and
 * anonymously when not, and sending `Authorization: Bearer <token>`. Tokens are cached per scope
 * until shortly before they expire.
 */
import { ImageError } from '../image-error';
import { type Credentials } from './credential-store';
import { type HttpTransport, verb } from './http-transport';
import { readBody, readFailure } from './registry-errors';
import { type AuthChallenge, parseWwwAuthenticate } from './www-authenticate';

/** Opens a transport to a token realm's host. */
export type RealmTransport = (host: string) => HttpTransport;

interface CachedToken {
  readonly header: string;
  readonly expiresAt: number;
}

/** Docker's default when a token server gives no lifetime. */
const DEFAULT_TOKEN_SECONDS = 60;
/** Renew this long before expiry, so a token does not run out in flight. */
const RENEW_MARGIN_MS = 10_000;
const TOKEN_BODY_MAX = 1024 * 1024;

/** One registry's authentication state: its challenge, and the tokens got so far. */
export class RegistryAuth {
  private challenge: AuthChallenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();

  private readonly credentials: () => Promise<Credentials | undefined>;
  private readonly realmTransport: RealmTransport;
  private readonly now: () => number;

  constructor(credentials: () => Promise<Credentials | undefined>, realmTransport: RealmTransport, now: () => number = Date.now) {
    this.credentials = credentials;
    this.realmTransport = realmTransport;
    this.now = now;
  }

  /** True once the registry asked for credentials: a 401 after that is a refusal. */
  get challenged(): boolean {
    return this.challenge !== undefined;
  }

  /**
   * The Authorization header for a request needing `scope` (undefined: no scope, as for /v2/), once
   * the registry has challenged: a cached or freshly requested token, or Basic credentials.
   */
  async authorization(scope: string | undefined): Promise<string | undefined> {
    const challenge = this.challenge;
    if (challenge === undefined) return undefined;
    if (challenge.scheme === 'basic') {
      const creds = await this.credentials();
      return creds === undefined ? undefined : basicHeader(creds);
    }
    const key = scope ?? '';
    const cached = this.tokens.get(key);
    if (cached !== undefined && cached.expiresAt - RENEW_MARGIN_MS > this.now()) return cached.header;
    const token = await this.fetchToken(challenge, scope);
    this.tokens.set(key, token);
    return token.header;
  }

  /**
   * Takes the challenge of a 401 answer. Returns false when nothing would change on a retry (no
   * challenge berth can answer, or Basic with no stored credentials).
   */
  async accept(header: string | string[] | undefined, scope: string | undefined): Promise<boolean> {
    const challenges = parseWwwAuthenticate(header);
    const chosen = challenges.find((c) => c.scheme === 'bearer' && c.params.realm) ?? challenges.find((c) => c.scheme === 'basic');
    if (chosen === undefined) return false;
    const first = this.challenge === undefined;
    this.challenge = chosen;
    if (chosen.scheme === 'basic') return first && (await this.credentials()) !== undefined;
    // A token that was refused is of no use any more (revoked, or too narrow for this request).
    this.tokens.delete(scope ?? '');
    return true;
  }

  private async fetchToken(challenge: AuthChallenge, scope: string | undefined): Promise<CachedToken> {
    const realm = parseRealm(challenge.params.realm!);
    const creds = await this.credentials();
    const url = new URL(realm);
    if (challenge.params.service) url.searchParams.append('service', challenge.params.service);
    if (scope !== undefined) url.searchParams.append('scope', scope);
    // The registry may name a wider scope than ours (a mount from another repository): ask for both.
    if (challenge.params.scope && challenge.params.scope !== scope) url.searchParams.append('scope', challenge.params.scope);
    if (creds !== undefined) url.searchParams.append('account', creds.username);
    const transport = this.realmTransport(url.host);
    const res = await transport.send({ method: 'GET', url, headers: creds === undefined ? {} : { authorization: basicHeader(creds) }, followRedirects: true });
    const where = `${verb('GET')} ${JSON.stringify(realm.href)}`;
    if (res.status !== 200) {
      const failure = await readFailure(res);
      const unauthorized = res.status === 401 && !/^unauthorized/.test(failure.text) ? 'unauthorized: ' : '';
      throw new ImageError(`${where}: ${unauthorized}${failure.text}`, res.status === 401 || res.status === 403 ? 'forbidden' : 'unavailable');
    }
    let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; issued_at?: unknown };
    try {
      body = JSON.parse((await readBody(res.body, TOKEN_BODY_MAX, 'token response')).toString('utf8'));
    } catch (err) {
      throw new ImageError(`${where}: the token server's answer is not JSON`, 'unavailable', { cause: err });
    }
    const token = typeof body.token === 'string' && body.token !== '' ? body.token : body.access_token;
    if (typeof token !== 'string' || token === '') throw new ImageError(`${where}: the token server's answer has no token`, 'unavailable');
    const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : DEFAULT_TOKEN_SECONDS;
    const issued = typeof body.issued_at === 'string' && !Number.isNaN(Date.parse(body.issued_at)) ? Math.min(Date.parse(body.issued_at), this.now()) : this.now();
    return { header: `Bearer ${token}`, expiresAt: issued + seconds * 1000 };
  }
}

/** `repository:<name>:pull` or `repository:<name>:pull,push`. */
export function repositoryScope(repository: string, push = false): string {
  return `repository:${repository}:${push ? 'pull,push' : 'pull'}`;
}

function basicHeader(creds: Credentials): string {
  return `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
}

function parseRealm(realm: string): URL {
  try {
    const url = new URL(realm);
    if (url.protocol === 'https:' || url.protocol === 'http:') return url;
  } catch {
    // reported below
  }
  throw new ImageError(`the registry's token realm ${JSON.stringify(realm)} is not an http(s) URL`, 'unavailable');
}
