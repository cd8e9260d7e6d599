/**
 * What a layer member's name means inside the layer directory, as pure rules. Names are taken as
 * relative to the layer root the way GNU tar and docker's archive package do: leading `/` and `./`
 * are stripped (`/etc/passwd` lands at `<layer>/etc/passwd`), `.` components dropped. A `..`
 * component, a NUL or an empty name refuses the whole layer: no member may address anything outside.
 * Names are binary strings (one char per byte, see tar-header.ts).
 */
import { ImageError } from '../image-error';

/** The prefix of an OCI/AUFS whiteout file: `.wh.NAME` deletes NAME of the layers below. */
export const WHITEOUT_PREFIX = '.wh.';
/** The marker that makes its directory opaque: nothing of the layers below shows through. */
export const OPAQUE_MARKER = '.wh..wh..opq';
/** AUFS's metadata names (`.wh..wh.plnk`, `.wh..wh.aufs`): not content, skipped as docker does. */
export const WHITEOUT_META_PREFIX = '.wh..wh.';

/** A member name for messages: its bytes read as UTF-8, quoted. */
export function shown(name: string): string {
  return JSON.stringify(Buffer.from(name, 'latin1').toString('utf8'));
}

/**
 * The member's path relative to the layer root, components joined by `/`; `''` is the root itself.
 * @throws ImageError invalid for an empty name, a NUL or a `..` component.
 */
export function memberPath(name: string): string {
  if (name === '') throw new ImageError('tar member with an empty name', 'invalid');
  if (name.includes('\0')) throw new ImageError(`tar member ${shown(name)}: name contains a NUL byte`, 'invalid');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new ImageError(`tar member ${shown(name)}: name contains "..", which would escape the layer`, 'invalid');
  return parts.join('/');
}

/**
 * The path a hard link member points at, by the same rules; the root cannot be a link target.
 * @throws ImageError invalid, naming the member.
 */
export function linkTargetPath(member: string, target: string): string {
  if (target.includes('\0')) throw new ImageError(`tar member ${shown(member)}: link target contains a NUL byte`, 'invalid');
  const parts = target.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new ImageError(`tar member ${shown(member)}: hard link target ${shown(target)} escapes the layer`, 'invalid');
  if (parts.length === 0) throw new ImageError(`tar member ${shown(member)}: hard link to the layer root`, 'invalid');
  return parts.join('/');
}

/** What a member's base name says about the layers below it. */
export type WhiteoutKind =
  | { kind: 'none' }
  /** `DIR/.wh..wh..opq`: DIR (the parent, `''` for the root) is opaque. */
  | { kind: 'opaque'; dir: string }
  /** `DIR/.wh.NAME`: DIR/NAME is deleted. */
  | { kind: 'whiteout'; path: string }
  /** Other `.wh..wh.*` names: AUFS bookkeeping, not content. */
  | { kind: 'meta' };

/**
 * Classifies a normalised member path (from {@link memberPath}).
 * @throws ImageError invalid for a whiteout of nothing (`.wh.`) or of `.`/`..`.
 */
export function whiteoutOf(path: string): WhiteoutKind {
  const slash = path.lastIndexOf('/');
  const dir = slash === -1 ? '' : path.slice(0, slash);
  const base = path.slice(slash + 1);
  if (dir.split('/').some((p) => p.startsWith(WHITEOUT_META_PREFIX))) return { kind: 'meta' };
  if (!base.startsWith(WHITEOUT_PREFIX)) return { kind: 'none' };
  if (base === OPAQUE_MARKER) return { kind: 'opaque', dir };
  if (base.startsWith(WHITEOUT_META_PREFIX)) return { kind: 'meta' };
  const name = base.slice(WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') throw new ImageError(`tar member ${shown(path)}: whiteout of an invalid name`, 'invalid');
  return { kind: 'whiteout', path: dir === '' ? name : `${dir}/${name}` };
}

/** The parent path components of a normalised path, outermost first (`a/b/c` → `a`, `a/b`). */
export function parentsOf(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** True when `path` is `ancestor` or lies under it. */
export function isAtOrUnder(path: string, ancestor: string): boolean {
  return ancestor === '' || path === ancestor || path.startsWith(`${ancestor}/`);
}
