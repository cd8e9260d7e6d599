/**
 * mount(8)-style option words → mount(2) flags, as one table (crun's `propagation_flags` /
 * `mount_options` table in libcrun/linux.c is the model). Propagation is kept apart from the other
 * flags because the kernel refuses to change propagation in the same call that creates a mount:
 * MS_SHARED/MS_PRIVATE/... must be a second mount(2) call with no other flag but MS_REC.
 */
import {
  MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SHARED,
  MS_SLAVE, MS_UNBINDABLE,
} from '../../sys';

// <linux/mount.h> flags that lib/sys does not export yet (only the storage layer needs them).
/** Writes are synced at once. */
export const MS_SYNCHRONOUS = 0x10;
/** Mandatory locking allowed (obsolete, kept so the word parses as it does in crun). */
export const MS_MANDLOCK = 0x40;
/** Directory changes are synced at once. */
export const MS_DIRSYNC = 0x80;
/** Access times are never updated. */
export const MS_NOATIME = 0x400;
/** Directory access times are never updated. */
export const MS_NODIRATIME = 0x800;
/** Access time updated only when older than mtime/ctime (the kernel default since 2.6.30). */
export const MS_RELATIME = 0x200000;
/** Access time always updated. */
export const MS_STRICTATIME = 0x1000000;

/** What one option word does: set or clear `flags`, or ask for a propagation change. */
export interface MountOptionEffect {
  /** mount(2) flags the word sets (or clears, when `clear`). */
  readonly flags: number;
  /** True for the negative words (`rw`, `suid`, `dev`, ...): they clear `flags`. */
  readonly clear: boolean;
  /** Propagation flags (MS_PRIVATE|MS_REC, ...) for a separate mount(2) call, else 0. */
  readonly propagation: number;
}

const set = (flags: number): MountOptionEffect => ({ flags, clear: false, propagation: 0 });
const unset = (flags: number): MountOptionEffect => ({ flags, clear: true, propagation: 0 });
const propagate = (propagation: number): MountOptionEffect => ({ flags: 0, clear: false, propagation });

/** Every option word the runtime understands as a flag; anything else is filesystem data. */
export const MOUNT_OPTIONS: ReadonlyMap<string, MountOptionEffect> = new Map([
  ['defaults', set(0)],
  ['ro', set(MS_RDONLY)],
  ['rw', unset(MS_RDONLY)],
  ['nosuid', set(MS_NOSUID)],
  ['suid', unset(MS_NOSUID)],
  ['nodev', set(MS_NODEV)],
  ['dev', unset(MS_NODEV)],
  ['noexec', set(MS_NOEXEC)],
  ['exec', unset(MS_NOEXEC)],
  ['sync', set(MS_SYNCHRONOUS)],
  ['async', unset(MS_SYNCHRONOUS)],
  ['dirsync', set(MS_DIRSYNC)],
  ['remount', set(MS_REMOUNT)],
  ['mand', set(MS_MANDLOCK)],
  ['nomand', unset(MS_MANDLOCK)],
  ['atime', unset(MS_NOATIME)],
  ['noatime', set(MS_NOATIME)],
  ['diratime', unset(MS_NODIRATIME)],
  ['nodiratime', set(MS_NODIRATIME)],
  ['relatime', set(MS_RELATIME)],
  ['norelatime', unset(MS_RELATIME)],
  ['strictatime', set(MS_STRICTATIME)],
  ['nostrictatime', unset(MS_STRICTATIME)],
  ['bind', set(MS_BIND)],
  ['rbind', set(MS_BIND | MS_REC)],
  ['private', propagate(MS_PRIVATE)],
  ['rprivate', propagate(MS_PRIVATE | MS_REC)],
  ['shared', propagate(MS_SHARED)],
  ['rshared', propagate(MS_SHARED | MS_REC)],
  ['slave', propagate(MS_SLAVE)],
  ['rslave', propagate(MS_SLAVE | MS_REC)],
  ['unbindable', propagate(MS_UNBINDABLE)],
  ['runbindable', propagate(MS_UNBINDABLE | MS_REC)],
]);

/** The parsed form of an option list. */
export interface MountOptions {
  /** Flags for the mount(2) call that creates the mount. */
  readonly flags: number;
  /** Propagation changes, in order, each its own mount(2) call. */
  readonly propagation: readonly number[];
  /** Words the table does not know (`size=64m`, `mode=1777`, `lowerdir=...`), joined by the caller. */
  readonly data: readonly string[];
}

/**
 * Folds option words left to right, so the last of `ro`/`rw` wins as in mount(8). Unknown words are
 * not errors here: they are filesystem-specific and the kernel judges them (EINVAL).
 */
export function parseMountOptions(options: Iterable<string>): MountOptions {
  let flags = 0;
  const propagation: number[] = [];
  const data: string[] = [];
  for (const word of options) {
    const effect = MOUNT_OPTIONS.get(word);
    if (effect === undefined) {
      if (word !== '') data.push(word);
      continue;
    }
    flags = effect.clear ? flags & ~effect.flags : flags | effect.flags;
    if (effect.propagation !== 0) propagation.push(effect.propagation);
  }
  return { flags, propagation, data };
}
