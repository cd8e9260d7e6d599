/**
 * MountSpecs → an ordered list of mount(2) calls, kept pure so the order and flags are unit-tested
 * as data; `apply` runs a plan through a Syscalls seam (the real one, or a recording fake).
 * The sequence per bind follows runc's mountToRootfs: bind, then a read-only remount (the kernel
 * ignores MS_RDONLY on the MS_BIND call itself), then the propagation change in its own call.
 */
import { closeSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  MNT_DETACH, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT, MS_SHARED, MS_SLAVE,
  MS_UNBINDABLE, mount, umount2, hasErrno, makeDirs,
} from '../../sys';
import { MOUNT_OPTIONS } from './mount-options';
import type { MountSpec } from './mount-spec';
import { BestEffort } from '../../util';

/** Create a directory (and its parents) to mount on. */
export interface MkdirStep { readonly op: 'mkdir'; readonly path: string }
/** Create an empty file to bind a file on (a bind needs a target of the source's kind). */
export interface TouchStep { readonly op: 'touch'; readonly path: string }
/** One mount(2) call. */
export interface MountStep {
  readonly op: 'mount';
  readonly source: string | null;
  readonly target: string;
  readonly fstype: string | null;
  readonly flags: number;
  readonly data: string | null;
}
/** One umount2(2) call. */
export interface UmountStep { readonly op: 'umount2'; readonly target: string; readonly flags: number }
/** Any step of a plan. */
export type PlanStep = MkdirStep | TouchStep | MountStep | UmountStep;

/**
 * The system calls a plan needs. Beyond mount/umount2 it must make mountpoints: mount(2) needs an
 * existing target, and creating it is part of the order (a parent mount would hide it otherwise).
 */
export interface Syscalls {
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  umount2(target: string, flags: number): void;
  mkdir(path: string): void;
  touch(path: string): void;
}

/** The host's real calls (lib/sys + node:fs). */
export const hostSyscalls: Syscalls = {
  mount: (source, target, fstype, flags, data) => mount(source, target, fstype, flags, data),
  umount2: (target, flags) => umount2(target, flags),
  mkdir: (path) => { makeDirs(path); },
  touch: (path) => {
    makeDirs(dirname(path));
    closeSync(openSync(path, 'a'));
  },
};

/** What planning needs to know about the host, injected so planning stays pure. */
export interface PlanContext {
  /** Host path of the container's root (the overlay `merged` dir). */
  readonly rootfs: string;
  /** Host path of a named volume's data (VolumeStore.mountpoint). */
  readonly volumePath: (name: string) => string;
  /** Kind of a host path; undefined when it does not exist. */
  readonly sourceKind: (path: string) => 'directory' | 'file' | undefined;
}

/** Docker mounts tmpfs noexec,nosuid,nodev unless told otherwise (daemon/oci_linux.go). */
const TMPFS_FLAGS = MS_NOSUID | MS_NODEV | MS_NOEXEC;
/** Flags that change an existing mount rather than make one: such calls need no unmount. */
const CHANGES_EXISTING = MS_REMOUNT | MS_PRIVATE | MS_SHARED | MS_SLAVE | MS_UNBINDABLE;

const call = (source: string | null, target: string, fstype: string | null, flags: number, data: string | null = null): MountStep =>
  ({ op: 'mount', source, target, fstype, flags, data });

/** Component count: parents are mounted before children, or a parent mount would hide the child. */
const depth = (path: string): number => path.split('/').filter(Boolean).length;

/**
 * Orders the mounts (parents first, then the caller's order) and expands each into its calls.
 * Anonymous volumes must have been created and named by the caller first.
 */
export function planMounts(specs: readonly MountSpec[], ctx: PlanContext): PlanStep[] {
  const ordered = specs.map((spec, index) => ({ spec, index })).sort((a, b) => depth(a.spec.target) - depth(b.spec.target) || a.index - b.index);
  return ordered.flatMap(({ spec }) => planOne(spec, ctx));
}

function planOne(spec: MountSpec, ctx: PlanContext): PlanStep[] {
  // spec.target is normalized and absolute (mount-spec), so the lexical join cannot climb out.
  const target = join(ctx.rootfs, spec.target);
  switch (spec.type) {
    case 'tmpfs': {
      const data = [spec.mode === undefined ? '' : `mode=${spec.mode.toString(8)}`, spec.sizeBytes === undefined ? '' : `size=${spec.sizeBytes}`];
      return [{ op: 'mkdir', path: target }, call('tmpfs', target, 'tmpfs', TMPFS_FLAGS | (spec.readonly ? MS_RDONLY : 0), data.filter(Boolean).join(',') || null)];
    }
    case 'volume': {
      if (spec.name === undefined) throw new Error(`anonymous volume at ${spec.target} must be created and named before planning`);
      return planBind(ctx.volumePath(spec.name), target, spec.readonly, 'rprivate', 'directory');
    }
    case 'bind': {
      const kind = ctx.sourceKind(spec.source);
      // `-v` creates a missing source as a directory (Docker's lenient short form).
      const create: PlanStep[] = kind === undefined && spec.createSource ? [{ op: 'mkdir', path: spec.source }] : [];
      if (kind === undefined && !spec.createSource) throw new Error(`invalid mount config for type "bind": bind source path does not exist: ${spec.source}`);
      return [...create, ...planBind(spec.source, target, spec.readonly, spec.propagation, kind ?? 'directory')];
    }
  }
}

function planBind(source: string, target: string, readonly: boolean, propagation: string, kind: 'directory' | 'file'): PlanStep[] {
  const steps: PlanStep[] = [kind === 'file' ? { op: 'touch', path: target } : { op: 'mkdir', path: target }, call(source, target, null, MS_BIND | MS_REC)];
  // MS_RDONLY is ignored on the creating MS_BIND call; it takes a remount. A remount is not
  // recursive: submounts of the source stay writable (mount_setattr(AT_RECURSIVE) would fix that).
  if (readonly) steps.push(call(null, target, null, MS_REMOUNT | MS_BIND | MS_RDONLY));
  steps.push(call(null, target, null, MOUNT_OPTIONS.get(propagation)?.propagation ?? MS_PRIVATE | MS_REC));
  return steps;
}

/** True for a step that creates a mount (and so needs an unmount to undo). */
export function createsMount(step: PlanStep): step is MountStep {
  return step.op === 'mount' && (step.flags & CHANGES_EXISTING) === 0;
}

/**
 * The undo of a plan: each mount it creates, unmounted deepest first. MNT_DETACH so a file held
 * open inside does not block the teardown; the mount leaves the namespace at once either way.
 */
export function planTeardown(plan: readonly PlanStep[]): UmountStep[] {
  const targets = plan.filter(createsMount).map((s) => s.target);
  return [...new Set(targets)].reverse().map((target) => ({ op: 'umount2', target, flags: MNT_DETACH }));
}

function run(step: PlanStep, sys: Syscalls): void {
  switch (step.op) {
    case 'mkdir': return sys.mkdir(step.path);
    case 'touch': return sys.touch(step.path);
    case 'mount': return sys.mount(step.source, step.target, step.fstype, step.flags, step.data);
    case 'umount2': return sys.umount2(step.target, step.flags);
  }
}

/**
 * Runs a plan in order. On a failure it unmounts what this plan had mounted (best effort, in
 * reverse) and rethrows the original error, so a failed start leaves no mount behind.
 */
export function apply(plan: readonly PlanStep[], sys: Syscalls = hostSyscalls): void {
  const done: PlanStep[] = [];
  try {
    for (const step of plan) {
      run(step, sys);
      done.push(step);
    }
  } catch (err) {
    teardown(planTeardown(done), sys);
    throw err;
  }
}

/**
 * Runs unmount steps, best effort and idempotent: a target that is not mounted (EINVAL) or gone
 * (ENOENT) is already torn down. Other failures are collected and thrown together at the end.
 */
export function teardown(steps: readonly PlanStep[], sys: Syscalls = hostSyscalls): void {
  const unmounts = new BestEffort();
  const unmounted = (err: unknown): boolean => hasErrno(err, 'EINVAL') || hasErrno(err, 'ENOENT');
  for (const step of steps) unmounts.attemptSync(() => run(step, sys), unmounted);
  // Even a single failure is wrapped: callers report "teardown: ..." whatever the count.
  if (!unmounts.ok) throw new AggregateError(unmounts.errors, `teardown: ${unmounts.errors.length} unmount(s) failed`);
}
