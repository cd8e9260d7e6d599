/**
 * What the parent tells a container's init over the sync socket (fd 3), as one JSON line. The parent
 * writes it only after the init is in its cgroups: reading it is the init's "go".
 */
import type { PlanStep } from '../storage/mount-plan';

/**
 * Written by the init right before execve. End-of-file after it means the exec succeeded (the socket
 * is close-on-exec); end-of-file without it means the init died on the way (killed, OOM).
 */
export const EXEC_MARK = 'exec';

/** The fd of the sync socket in the init (the first stdio slot after 0-2). */
export const SYNC_FD = 3;

/** Start a new container: new mount/uts/ipc/cgroup namespaces (pid is new already), root, exec. */
export interface RunSpec {
  readonly mode: 'run';
  /**
   * A netns to join (a named netns file); undefined shares the parent's (`--network host`, or a
   * user namespace container, which nsenter put into its netns before the user namespace).
   */
  readonly netns?: string;
  /**
   * Started inside a user namespace (container/userns.ts) as its root: devices are bound from the
   * host instead of made (mknod is refused there), overlayfs keeps its xattrs in user.overlay.*, and
   * sysfs, which only the netns owner's root may mount, is bound from the host read-only when the
   * netns is the host's (--network host or container:).
   */
  readonly userns?: boolean;
  readonly hostname: string;
  /** The overlay layers: lowerdir list, upper, work, and `merged`, the new root. */
  readonly rootfs: { readonly lower: readonly string[]; readonly upper: string; readonly work: string; readonly merged: string };
  /** Bind, volume and tmpfs mounts, already planned against `rootfs.merged`. */
  readonly mounts: readonly PlanStep[];
  /** Host files bound over /etc/hosts, /etc/hostname and /etc/resolv.conf. */
  readonly etcFiles: Readonly<Record<string, string>>;
  readonly command: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  /** `--user` / the image's USER, resolved in the container (container-user.ts); absent: root. */
  readonly user?: string;
}

/** Join a running container (`berth exec`): its pid namespace is already ours (set by the parent). */
export interface ExecSpec {
  readonly mode: 'exec';
  /** Host PID of the container's init, whose namespaces are joined. */
  readonly pid: number;
  /** The container has a user namespace: nsenter joined it and the netns already. */
  readonly userns?: boolean;
  readonly command: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
  /** As RunSpec.user. */
  readonly user?: string;
}

/** Either kind of start. */
export type InitSpec = RunSpec | ExecSpec;

/** What the init writes back when it fails before execve (success is end-of-file). */
export interface InitFailure {
  readonly error: string;
  /** The step that failed ("mount /proc", "execve"), for the message. */
  readonly step: string;
  /** errno name when a system call failed. */
  readonly code?: string;
}
