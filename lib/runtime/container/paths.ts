/**
 * Where berth keeps its state. Every path can be overridden (the CLI reads BERTH_* variables), so
 * tests run whole containers against throwaway directories and a cgroup parent of their own.
 */
import { join } from 'node:path';

/** The directories and names the runtime works under. */
export interface RuntimePaths {
  /** Containers, images, volumes, networks: /var/lib/berth. */
  readonly root: string;
  /** Runtime files that die with the machine (netns mounts): /run/berth. */
  readonly runDir: string;
  /** libcni's cache dir and host-local's dataDir parent: /var/lib/cni. */
  readonly cniDir: string;
  /** Cgroup path under each hierarchy root that holds one cgroup per container: "berth". */
  readonly cgroupParent: string;
  /** Where CNI plugins are looked up (CNI_PATH). */
  readonly cniPath: readonly string[];
  /** The berth-init executable. */
  readonly initPath: string;
  /**
   * User namespace containers see the image through an idmapped mount (default), or, when false
   * (BERTH_USERNS_IDMAP=0), through a copy with shifted owners (remapped-rootfs.ts).
   */
  readonly usernsIdmap?: boolean;
  /** The berthd executable, started on demand for the embedded DNS of user networks. */
  readonly berthdPath?: string;
  /** The host's resolv.conf that containers inherit (default /etc/resolv.conf; BERTH_RESOLV_CONF). */
  readonly resolvConf?: string;
}

/** The directory that holds the named netns of containers. */
export const netnsDir = (paths: RuntimePaths): string => join(paths.runDir, 'netns');

/** The cgroup path of container `id`. */
export const cgroupPathOf = (paths: RuntimePaths, id: string): string => `${paths.cgroupParent}/${id}`;
