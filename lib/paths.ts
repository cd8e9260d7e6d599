/**
 * Where berth's state lives unless told otherwise (DESIGN, "Where state lives"), and the rule for the
 * names that become segments of those paths and of store keys. Every default is overridable (BERTH_*
 * variables, berthd flags, plugin config keys), so tests run against throwaway directories; this is
 * the one place that spells the defaults. lib, plugins and cmd all import it; it imports nothing of theirs.
 */
import { join } from 'node:path';

/** berth's state root: containers, images, volumes, networks (BERTH_ROOT). */
export const DEFAULT_BERTH_ROOT = '/var/lib/berth';
/** berthd's own state: VTEP MACs and the embedded file store (`--state-dir`). */
export const DEFAULT_BERTHD_STATE_DIR = '/var/lib/berth/berthd';
/**
 * Runtime files that die with the machine (BERTH_RUN, berthd's `--run-dir`, the overlay plugin's
 * `runDir`): berthd's socket and lease files, the containers' netns mounts.
 */
export const DEFAULT_RUN_DIR = '/run/berth';
/** libcni's directory: its result cache under `results/`, host-local's leases under `networks/` (BERTH_CNI_DIR). */
export const DEFAULT_CNI_DIR = '/var/lib/cni';
/** host-local's `dataDir`, as the reference's: `<DEFAULT_CNI_DIR>/networks`. */
export const DEFAULT_IPAM_DATA_DIR = '/var/lib/cni/networks';
/** Where CNI plugins are looked up after berth's own directory (BERTH_CNI_PATH): the usual installs. */
export const DEFAULT_CNI_PATH: readonly string[] = ['/opt/cni/bin', '/usr/lib/cni'];

/** berthd's API socket under its runtime directory. */
export const BERTHD_SOCKET = 'berthd.sock';

/** `<runDir>/berthd.sock`. */
export function berthdSocketPath(runDir: string): string {
  return join(runDir, BERTHD_SOCKET);
}

/**
 * The characters of a name, as Docker's and libcni's messages spell them: a letter or digit, then
 * letters, digits, `_`, `.` and `-`. No `/`, NUL or leading `.`, so a name used as a path segment or
 * a key segment can never leave its directory or reach another network's keys.
 */
export const NAME_CHARS = '[a-zA-Z0-9][a-zA-Z0-9_.-]';

/**
 * libcni's rule for network names and container IDs (`ValidateNetworkName`, `ValidateContainerID`):
 * one character or more. berth's networks and the overlay's use it too, so every berth network is a
 * valid CNI network name.
 */
export const CNI_NAME = new RegExp(`^${NAME_CHARS}*$`);

/** Docker's rule for container and volume names (its `RestrictedNamePattern`): two characters or more. */
export const DOCKER_NAME = new RegExp(`^${NAME_CHARS}+$`);
