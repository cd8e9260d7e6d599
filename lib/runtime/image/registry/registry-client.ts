/**
 * A client of one registry's distribution API v2: manifests by tag or digest (verified), blobs
 * (resumable downloads, chunked uploads), manifest pushes and the /v2/ check `berth login` makes.
 * Authentication (registry-auth) and HTTP (http-transport) are below it; what a pull or push does
 * with the results is above it.
 */
import { type Descriptor, MEDIA, digestHex, digestOf, isIndexType, isManifestType } from '../oci';
import { ImageError } from '../image-error';
import { downloadBlob, type DownloadOptions } from './blob-download';
import { uploadBlob, type UploadOptions } from './blob-upload';
import { type CredentialStore } from './credential-store';
import { HttpTransport, type HttpRequest, type HttpResponse, type TransportOptions, verb } from './http-transport';
import { familiarName, registryApiHost } from './reference';
import { RegistryAuth, repositoryScope } from './registry-auth';
import { type RegistryFailure, kindOfStatus, readBody, readFailure } from './registry-errors';

/** How a client reaches and authenticates to its registry. */
export interface RegistryOptions extends TransportOptions {
  /** Where `berth login` keeps credentials (or, for login itself, the ones being tried); without it every request is anonymous. */
  credentials?: Pick<CredentialStore, 'get'>;
}

/** A manifest or index as fetched: its bytes exactly as served, and their digest. */
export interface FetchedManifest {
  readonly mediaType: string;
  readonly digest: string;
  readonly bytes: Buffer;
}

/** A request of {@link RegistryClient.request}: an API path (`/v2/...`) or an absolute URL. */
export interface RegistryRequest extends Omit<HttpRequest, 'url'> {
  path?: string;
  url?: URL;
  /** The token scope the request needs (`repository:a/b:pull`); none for /v2/. */
  scope?: string;
}

/** Every manifest type berth reads, the Accept header of a pull. */
export const MANIFEST_TYPES: readonly string[] = [MEDIA.ociIndex, MEDIA.ociManifest, MEDIA.dockerManifestList, MEDIA.dockerManifest];

/** containerd's limit: a manifest is JSON of descriptors, never megabytes. */
const MANIFEST_MAX = 4 * 1024 * 1024;

/** The registry API of one registry host. */
export class RegistryClient {
  /** The registry as references name it (`docker.io`, `localhost:5000`). */
  readonly registry: string;
  private readonly transport: HttpTransport;
  private readonly auth: RegistryAuth;
  private readonly realms = new Map<string, HttpTransport>();

  private readonly opts: RegistryOptions;

  constructor(registry: string, opts: RegistryOptions = {}) {
    this.registry = registry;
    this.opts = opts;
    const host = registryApiHost(registry);
    // The insecure list names registries as references do; Docker Hub's API host follows docker.io.
    const insecure = opts.insecureRegistries ?? [];
    this.transport = new HttpTransport(host, { ...opts, insecureRegistries: insecure.includes(registry) ? [...insecure, host] : insecure });
    // Read once per client: Basic auth needs them on every request, and a pull is short.
    let credentials: ReturnType<CredentialStore['get']> | undefined;
    this.auth = new RegistryAuth(() => (credentials ??= opts.credentials?.get(registry) ?? Promise.resolve(undefined)), (realmHost) => this.realmTransport(realmHost));
  }

  /**
   * Sends an API request with the authorization it needs: on a 401 the challenge is answered (a
   * token fetched, or Basic credentials taken) and the request sent once more. The response may be
   * any status; the caller reads or drains its body.
   */
  async request(req: RegistryRequest): Promise<HttpResponse> {
    const url = req.url ?? this.transport.url(req.path ?? '/v2/');
    // Credentials and tokens are the registry's: an upload Location on another host gets none (as in Docker).
    const own = url.host === this.transport.host;
    for (let attempt = 0; ; attempt++) {
      const authorization = own ? await this.auth.authorization(req.scope) : undefined;
      const headers = { ...req.headers, ...(authorization === undefined ? {} : { authorization }) };
      const res = await this.transport.send({ ...req, url: sameScheme(url, this.transport), headers });
      if (res.status !== 401 || attempt > 0 || !own) return res;
      if (!(await this.auth.accept(res.headers['www-authenticate'], req.scope))) return res;
      res.body.resume();
    }
  }

  /** GET /v2/ with credentials: resolves when the registry accepts them (what `berth login` checks). */
  async ping(): Promise<void> {
    const res = await this.request({ method: 'GET', path: '/v2/' });
    if (res.status === 200) return void res.body.resume();
    const failure = await readFailure(res);
    const hint = res.status === 401 && (await this.opts.credentials?.get(this.registry)) === undefined ? ` (no credentials stored for ${this.registry}: berth login ${this.registry})` : '';
    throw new ImageError(`${verb('GET')} ${JSON.stringify(res.url.href)}: ${failure.text}${hint}`, kindOfStatus(res.status));
  }

  /**
   * The manifest or index `reference` (a tag or a digest) of `repository`. Asked by digest, the
   * bytes must hash to it; asked by tag, to the Docker-Content-Digest the registry sends, if any.
   * @throws ImageError not-found `manifest for x:t not found: manifest unknown: ...`, forbidden `pull
   *   access denied for x, repository does not exist or may require 'berth login': ...`, invalid for a
   *   digest mismatch or a type berth does not read (schema 1).
   */
  async getManifest(repository: string, reference: string, accept: readonly string[] = MANIFEST_TYPES): Promise<FetchedManifest> {
    const byDigest = reference.includes(':');
    if (byDigest) digestHex(reference, 'manifest reference');
    const res = await this.request({
      method: 'GET',
      path: `/v2/${repository}/manifests/${reference}`,
      headers: { accept: accept.join(', ') },
      scope: repositoryScope(repository),
      followRedirects: true,
    });
    const name = familiarName({ registry: this.registry, repository });
    if (res.status !== 200) throw this.pullError(await readFailure(res), `${name}${byDigest ? '@' : ':'}${reference}`, name);
    const bytes = await readBody(res.body, MANIFEST_MAX, `manifest ${name}:${reference}`);
    const digest = digestOf(bytes);
    const served = firstHeader(res.headers['docker-content-digest']);
    const expected = byDigest ? reference : served?.startsWith('sha256:') ? served : undefined;
    if (expected !== undefined && expected !== digest) {
      throw new ImageError(`manifest verification failed for digest ${expected}: the registry sent content with digest ${digest}`, 'invalid');
    }
    const mediaType = manifestMediaType(firstHeader(res.headers['content-type']), bytes);
    if (!isIndexType(mediaType) && !isManifestType(mediaType)) {
      throw new ImageError(`${name}:${reference}: unsupported manifest media type ${JSON.stringify(mediaType)} (berth reads OCI and Docker schema 2 images)`, 'invalid');
    }
    return { mediaType, digest, bytes };
  }

  /** Whether `repository` has the blob `digest` (HEAD; what a push asks before uploading). */
  async hasBlob(repository: string, digest: string): Promise<boolean> {
    digestHex(digest);
    const res = await this.request({ method: 'HEAD', path: `/v2/${repository}/blobs/${digest}`, scope: repositoryScope(repository, true), followRedirects: true });
    res.body.resume();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    throw this.pushError(await readFailure(res), repository);
  }

  /**
   * Downloads `desc` into `partialPath`, resuming what a previous attempt left there; verified by
   * size and digest at the end (see blob-download).
   */
  downloadBlob(repository: string, desc: Descriptor, partialPath: string, onProgress?: (done: number, total: number) => void, opts: DownloadOptions = {}): Promise<void> {
    return downloadBlob(this, repository, desc, partialPath, { ...opts, ...(onProgress ? { onProgress } : {}) });
  }

  /** Uploads the file at `path` as `desc` to `repository` (see blob-upload). */
  uploadBlob(repository: string, desc: Descriptor, path: string, onProgress?: (done: number, total: number) => void, opts: UploadOptions = {}): Promise<void> {
    return uploadBlob(this, repository, desc, path, { ...opts, ...(onProgress ? { onProgress } : {}) });
  }

  /** PUTs a manifest under `tag` (or a digest); resolves with its digest. */
  async putManifest(repository: string, tag: string, mediaType: string, bytes: Buffer): Promise<string> {
    const digest = digestOf(bytes);
    const res = await this.request({
      method: 'PUT',
      path: `/v2/${repository}/manifests/${tag}`,
      headers: { 'content-type': mediaType },
      body: bytes,
      scope: repositoryScope(repository, true),
    });
    if (res.status !== 201 && res.status !== 200) throw this.pushError(await readFailure(res), repository);
    res.body.resume();
    const served = firstHeader(res.headers['docker-content-digest']);
    if (served !== undefined && served.startsWith('sha256:') && served !== digest) {
      throw new ImageError(`the registry stored the manifest as ${served}, not ${digest}`, 'invalid');
    }
    return digest;
  }

  /** An error of a pull, as Docker words it. */
  pullError(failure: RegistryFailure, ref: string, name: string): ImageError {
    const denied = failure.status === 401 || failure.status === 403 || failure.codes.includes('NAME_UNKNOWN');
    if (denied) return new ImageError(`pull access denied for ${name}, repository does not exist or may require 'berth login': ${failure.text}`, failure.status === 404 ? 'not-found' : 'forbidden');
    if (failure.status === 404) return new ImageError(`manifest for ${ref} not found: ${failure.text}`, 'not-found');
    return new ImageError(`${ref}: ${failure.text}`, kindOfStatus(failure.status));
  }

  /** An error of a push: the registry's words, and a hint when credentials are missing or refused. */
  pushError(failure: RegistryFailure, repository: string): ImageError {
    const name = familiarName({ registry: this.registry, repository });
    const hint = failure.status === 401 ? ` (push to ${name} needs 'berth login ${this.registry}')` : '';
    return new ImageError(`${failure.text}${hint}`, kindOfStatus(failure.status));
  }

  /** Closes idle connections (they do not keep the process alive either way). */
  close(): void {
    this.transport.close();
    for (const t of this.realms.values()) t.close();
  }

  private realmTransport(host: string): HttpTransport {
    let t = this.realms.get(host);
    if (t === undefined) {
      // A plain-HTTP token realm gets the user's password in clear: allowed only where the registry
      // itself was declared insecure, never behind the back of an HTTPS one.
      const insecure = (this.opts.insecureRegistries ?? []).includes(this.registry) ? [host] : (this.opts.insecureRegistries ?? []);
      t = new HttpTransport(host, { ...this.opts, insecureRegistries: insecure });
      this.realms.set(host, t);
    }
    return t;
  }
}

/** An URL of the registry with the scheme the transport has settled on (after an insecure fallback). */
function sameScheme(url: URL, transport: HttpTransport): URL {
  if (url.host !== transport.host) return url;
  const scheme = transport.url('/').protocol;
  return url.protocol === scheme ? url : new URL(`${scheme}${url.href.slice(url.protocol.length)}`);
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The Content-Type without parameters, or the manifest's own mediaType when that says nothing. */
function manifestMediaType(contentType: string | undefined, bytes: Buffer): string {
  const type = contentType?.split(';')[0]!.trim();
  if (type !== undefined && type !== '' && type !== 'application/json' && type !== 'text/plain' && type !== 'application/octet-stream') return type;
  try {
    const json = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown; manifests?: unknown };
    if (typeof json.mediaType === 'string') return json.mediaType;
    // OCI allows an index or manifest without mediaType: its shape tells.
    return Array.isArray(json.manifests) ? MEDIA.ociIndex : MEDIA.ociManifest;
  } catch {
    throw new ImageError('the registry sent a manifest that is not JSON', 'invalid');
  }
}
