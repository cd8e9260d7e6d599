/**
 * Image references by Docker's grammar (distribution/reference): `[domain/]path[:tag]`, path
 * components lowercase `[a-z0-9]+` joined by `.`, `_`, `__` or runs of `-`, separated by `/`. Names
 * are kept as given (no `docker.io/library/` prefix): with no registry, "busybox" is the whole name,
 * and `docker images` shows the short form anyway.
 */
import { ImageError } from './image-error';

/** A parsed reference: `name` as written, `tag` defaulting to "latest". */
export interface ImageRef {
  readonly name: string;
  readonly tag: string;
}

/** The tag Docker assumes when none is given. */
export const DEFAULT_TAG = 'latest';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const FULL_ID = /^[0-9a-f]{64}$/;
/** Docker's NameTotalLengthMax. */
const NAME_MAX = 255;

/**
 * Splits `ref` into name and tag by Docker's rules.
 * @throws ImageError invalid, naming the reference: `Error parsing reference: "X" is not a valid
 *   repository/tag: invalid reference format[: detail]`.
 */
export function parseImageRef(ref: string): ImageRef {
  const bad = (detail?: string): ImageError =>
    new ImageError(
      `Error parsing reference: ${JSON.stringify(ref)} is not a valid repository/tag: invalid reference format${detail ? `: ${detail}` : ''}`,
      'invalid',
    );
  if (typeof ref !== 'string' || ref === '') throw bad();
  // No registry, so no digests: `name@sha256:...` can never resolve to anything here.
  if (ref.includes('@')) throw bad('digest references are not supported');
  const colon = ref.lastIndexOf(':');
  const hasTag = colon > ref.lastIndexOf('/');
  const name = hasTag ? ref.slice(0, colon) : ref;
  const tag = hasTag ? ref.slice(colon + 1) : DEFAULT_TAG;
  if (FULL_ID.test(name)) {
    throw new ImageError(`invalid repository name (${name}), cannot specify 64-byte hexadecimal strings`, 'invalid');
  }
  if (name.length > NAME_MAX) throw bad(`repository name must not be more than ${NAME_MAX} characters`);
  if (!TAG.test(tag)) throw bad();
  const parts = name.split('/');
  // The first part is a registry host only when it looks like one (splitDockerDomain's rule).
  const first = parts[0]!;
  const isDomain = parts.length > 1 && (/[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first);
  if (isDomain && !DOMAIN.test(first)) throw bad();
  const path = isDomain ? parts.slice(1) : parts;
  if (!path.every((p) => PATH_COMPONENT.test(p))) {
    if (path.every((p) => PATH_COMPONENT.test(p.toLowerCase()))) throw bad(`repository name (${name}) must be lowercase`);
    throw bad();
  }
  return { name, tag };
}

/** `name:tag`, the key of repositories.json and what `Untagged:` prints. */
export function formatImageRef(ref: ImageRef): string {
  return `${ref.name}:${ref.tag}`;
}
