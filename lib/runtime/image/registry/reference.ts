/**
 * Registry references with Docker's normalisation (distribution/reference ParseNormalizedNamed):
 * `busybox` is `docker.io/library/busybox:latest`; a first path component names a registry only when it
 * has a `.` or `:` or is `localhost` (so `library/busybox` is on Docker Hub and `localhost:5000/a/b`
 * is not); `name@sha256:<hex>` pins a manifest by digest. Unlike ../image-ref (berth's local names,
 * kept as written), this is what a pull or push talks to a registry with.
 */
import { ImageError } from '../image-error';
import { digestHex } from '../oci';

/** A reference resolved to the registry it lives on and the repository path there. */
export interface RegistryRef {
  /** The registry as references name it: `docker.io`, `localhost:5000`, `registry.example.com`. */
  readonly registry: string;
  /** The repository path on it: `library/busybox`, `a/b`. */
  readonly repository: string;
  /** The tag, "latest" when neither tag nor digest was given; absent for a digest-only reference. */
  readonly tag?: string;
  /** `sha256:<hex>` when the reference pins one. */
  readonly digest?: string;
}

/** Docker Hub's name in references. */
export const DOCKER_HUB = 'docker.io';
/** Where Docker Hub's registry API answers (`docker.io` itself serves no /v2/). */
export const DOCKER_HUB_API = 'registry-1.docker.io';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = new RegExp(`^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const FULL_ID = /^[0-9a-f]{64}$/;
/** Docker's NameTotalLengthMax, counted over registry and path together. */
const NAME_MAX = 255;

/**
 * Parses and normalises `ref` as `docker pull` does.
 * @throws ImageError invalid: `Error parsing reference: "X" is not a valid repository/tag: invalid
 *   reference format[: detail]` (uppercase, empty components, a bad tag or digest).
 */
export function parseRegistryRef(ref: string): RegistryRef {
  const bad = (detail?: string): ImageError =>
    new ImageError(
      `Error parsing reference: ${JSON.stringify(ref)} is not a valid repository/tag: invalid reference format${detail ? `: ${detail}` : ''}`,
      'invalid',
    );
  if (typeof ref !== 'string' || ref === '') throw bad();
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const value = rest.slice(at + 1);
    try {
      digestHex(value);
    } catch (err) {
      throw bad((err as Error).message.replace(/^digest: /, ''));
    }
    digest = value;
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag: string | undefined;
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad();
  }
  if (FULL_ID.test(rest)) throw new ImageError(`invalid repository name (${rest}), cannot specify 64-byte hexadecimal strings`, 'invalid');
  const { registry, path } = splitRegistry(rest);
  if (registry !== DOCKER_HUB && !DOMAIN.test(registry)) throw bad();
  if (rest.length > NAME_MAX) throw bad(`repository name must not be more than ${NAME_MAX} characters`);
  const components = path.split('/');
  if (!components.every((c) => PATH_COMPONENT.test(c))) {
    if (components.every((c) => PATH_COMPONENT.test(c.toLowerCase()))) throw bad(`repository name (${path}) must be lowercase`);
    throw bad();
  }
  const repository = registry === DOCKER_HUB && components.length === 1 ? `library/${path}` : path;
  return { registry, repository, ...(tag === undefined && digest === undefined ? { tag: 'latest' } : tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** splitDockerDomain: the registry part of a name, when its first component looks like a host. */
function splitRegistry(name: string): { registry: string; path: string } {
  const i = name.indexOf('/');
  const first = i < 0 ? '' : name.slice(0, i);
  if (i < 0 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    return { registry: DOCKER_HUB, path: name };
  }
  // index.docker.io is the old name of Docker Hub in references.
  return { registry: first === 'index.docker.io' ? DOCKER_HUB : first, path: name.slice(i + 1) };
}

/** The tag or digest to ask the registry's manifest endpoint for (the digest when both are given). */
export function manifestReference(ref: RegistryRef): string {
  return ref.digest ?? ref.tag ?? 'latest';
}

/**
 * The short name Docker prints (reference.FamiliarName): `busybox` for docker.io/library/busybox,
 * `user/app` for docker.io/user/app, `localhost:5000/a/b` elsewhere.
 */
export function familiarName(ref: Pick<RegistryRef, 'registry' | 'repository'>): string {
  if (ref.registry !== DOCKER_HUB) return `${ref.registry}/${ref.repository}`;
  return ref.repository.startsWith('library/') && !ref.repository.slice(8).includes('/') ? ref.repository.slice(8) : ref.repository;
}

/** The familiar form with its tag and digest: `busybox:latest`, `localhost:5000/a@sha256:...`. */
export function familiarString(ref: RegistryRef): string {
  return `${familiarName(ref)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** The host:port the registry API answers on: Docker Hub's API host for docker.io. */
export function registryApiHost(registry: string): string {
  return registry === DOCKER_HUB || registry === 'index.docker.io' ? DOCKER_HUB_API : registry;
}
