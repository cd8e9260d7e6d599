/**
 * The policy half of the store, free of I/O: which image a reference names, and what `rmi` does to
 * tags and images, by the rules of Docker's daemon (daemon/images/image_delete.go).
 */
import { ImageError } from './image-error';
import { formatImageRef, parseImageRef } from './image-ref';
import { tagsOf, type Repositories } from './repositories';

/** An image found by {@link matchImage}; `tag` is set when the reference was a `name[:tag]`. */
export interface ImageMatch {
  readonly id: string;
  readonly tag?: string;
}

/** The shortest id prefix accepted, so that a short name is never mistaken for an id. */
export const MIN_ID_PREFIX = 4;
const FULL_ID = /^[0-9a-f]{64}$/;
const HEX = /^[0-9a-f]+$/;

/**
 * Finds what `ref` names among the images `ids` and tags `repos`, in Docker's order: a full id
 * (optionally `sha256:`), then a `name[:tag]`, then a unique id prefix of at least 4 digits.
 * @throws ImageError not-found `No such image: busybox:latest`, conflict for an ambiguous prefix,
 *   invalid for a malformed reference.
 */
export function matchImage(ref: string, repos: Readonly<Repositories>, ids: readonly string[]): ImageMatch {
  const bare = ref.startsWith('sha256:') ? ref.slice('sha256:'.length) : undefined;
  if (bare !== undefined) {
    if (!HEX.test(bare) || bare.length < MIN_ID_PREFIX) throw new ImageError(`No such image: ${ref}`, 'not-found');
    return byPrefix(bare, ref, ids);
  }
  if (FULL_ID.test(ref)) {
    if (ids.includes(ref)) return { id: ref };
    throw new ImageError(`No such image: ${ref}`, 'not-found');
  }
  let key: string | undefined;
  try {
    key = formatImageRef(parseImageRef(ref));
  } catch (err) {
    if (!HEX.test(ref)) throw err;
  }
  const tagged = key === undefined ? undefined : repos[key];
  if (tagged !== undefined && ids.includes(tagged)) return { id: tagged, tag: key! };
  if (HEX.test(ref) && ref.length >= MIN_ID_PREFIX) return byPrefix(ref, key ?? ref, ids);
  throw new ImageError(`No such image: ${key ?? ref}`, 'not-found');
}

function byPrefix(prefix: string, shown: string, ids: readonly string[]): ImageMatch {
  const found = ids.filter((id) => id.startsWith(prefix));
  if (found.length === 1) return { id: found[0]! };
  if (found.length > 1) throw new ImageError(`multiple IDs found with provided prefix: ${prefix}`, 'conflict');
  throw new ImageError(`No such image: ${shown}`, 'not-found');
}

/** What a removal does: the tags to drop and whether the image itself goes. */
export interface RemovalPlan {
  readonly untag: readonly string[];
  readonly deleteImage: boolean;
  /** Docker's report lines: `Untagged: busybox:latest`, `Deleted: sha256:<id>`. */
  readonly lines: readonly string[];
}

/**
 * `docker rmi [-f] REF` decided. By tag: untag; the image goes with its last tag, unless a
 * container uses it (a conflict without force; with force the image stays, dangling). By id: every
 * tag goes too, which needs force when there are several. Unlike Docker, force never deletes the
 * files of an image a container uses: that container's overlay has them as its lower layer.
 * @param ref the reference as the user gave it (Docker quotes it in the conflict message).
 */
export function planRemoval(ref: string, match: ImageMatch, repos: Readonly<Repositories>, force: boolean, users: readonly string[]): RemovalPlan {
  const { id } = match;
  const tags = tagsOf(repos, id);
  const short = id.slice(0, 12);
  let untag: string[];
  if (match.tag !== undefined) {
    if (!force && tags.length === 1 && users.length > 0) {
      throw new ImageError(
        `conflict: unable to remove repository reference ${JSON.stringify(ref)} (must force) - container ${users[0]!.slice(0, 12)} is using its referenced image ${short}`,
        'conflict',
      );
    }
    untag = [match.tag];
    if (tags.length > 1) return plan(untag, false, id);
    return plan(untag, users.length === 0, id);
  }
  if (users.length > 0) {
    throw new ImageError(`conflict: unable to delete ${short} (cannot be forced) - image is being used by container ${users[0]!.slice(0, 12)}`, 'conflict');
  }
  if (tags.length > 1 && !force) {
    throw new ImageError(`conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`, 'conflict');
  }
  untag = tags;
  return plan(untag, true, id);
}

function plan(untag: readonly string[], deleteImage: boolean, id: string): RemovalPlan {
  const lines = untag.map((t) => `Untagged: ${t}`);
  if (deleteImage) lines.push(`Deleted: sha256:${id}`);
  return { untag, deleteImage, lines };
}
