import { CniError, CniCode } from './errors';

/**
 * Every CNI spec version this implementation speaks, oldest first, exactly as libcni's `version.All`.
 * @see https://github.com/containernetworking/cni/blob/main/SPEC.md#released-versions
 */
export const ALL_SPEC_VERSIONS: readonly string[] = Object.freeze(['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0']);

/** The newest spec version (libcni's `version.Current()`); results are built in its shape. */
export const CURRENT_VERSION = '1.1.0';

/** What a config without `cniVersion` (or with an empty one) means, as libcni's `DecodeVersion` decides. */
export const DEFAULT_CONFIG_VERSION = '0.1.0';

/** The CNI verbs. */
export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS' | 'VERSION';

/**
 * The oldest config version that may carry each verb: CHECK arrived in 0.4.0, GC and STATUS in 1.1.0.
 * skel answers older configs with code 1 rather than running the verb.
 */
export const MIN_VERSION_FOR: Readonly<Partial<Record<CniCommand, string>>> = Object.freeze({
  CHECK: '0.4.0',
  GC: '1.1.0',
  STATUS: '1.1.0',
});

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

/** Parses a strict `MAJOR.MINOR.PATCH` string; undefined for anything else. */
export function parseVersion(version: string): [number, number, number] | undefined {
  const m = SEMVER.exec(version);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * Orders two versions: negative when a < b, 0 when equal, positive when a > b.
 * @throws {CniError} code 1 when either is not a `MAJOR.MINOR.PATCH` version
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) {
    throw new CniError(CniCode.IncompatibleVersion, `invalid version ${JSON.stringify(pa ? b : a)}`);
  }
  return pa[0] - pb[0] || pa[1] - pb[1] || pa[2] - pb[2];
}

/** True when `version` is at least `min` (both strict semver). */
export function versionAtLeast(version: string, min: string): boolean {
  return compareVersions(version, min) >= 0;
}

/**
 * Requires the config's version to be one the plugin supports, by string equality as skel does
 * (`1.0` is not `1.0.0`).
 * @throws {CniError} code 1 `incompatible CNI versions`, details naming both sides
 */
export function assertSupportedVersion(cniVersion: string, supported: readonly string[]): void {
  if (supported.includes(cniVersion)) return;
  throw new CniError(CniCode.IncompatibleVersion, 'incompatible CNI versions', {
    // Go's %q formatting of the same values, so the text matches what the reference prints.
    details: `config is ${JSON.stringify(cniVersion)}, plugin supports [${supported.map((v) => JSON.stringify(v)).join(' ')}]`,
  });
}

/**
 * Requires the config's version to be new enough for the verb (CHECK >= 0.4.0, GC/STATUS >= 1.1.0).
 * @throws {CniError} code 1 `config version does not allow CHECK` (or GC, STATUS)
 */
export function assertVersionAllows(command: CniCommand, cniVersion: string): void {
  const min = MIN_VERSION_FOR[command];
  if (min !== undefined && !versionAtLeast(cniVersion, min)) {
    throw new CniError(CniCode.IncompatibleVersion, `config version does not allow ${command}`, {
      details: `${command} needs cniVersion ${min} or later, config is ${JSON.stringify(cniVersion)}`,
    });
  }
}

/** The newest version in a list (by semver, ignoring entries that are not semver). */
export function newestVersion(versions: readonly string[]): string | undefined {
  return versions.filter((v) => parseVersion(v)).sort(compareVersions).at(-1);
}

/** The VERSION verb's reply. */
export interface VersionReply {
  cniVersion: string;
  supportedVersions: string[];
}

/**
 * Builds the VERSION reply. The spec says to echo the caller's `cniVersion`; the reference always answers
 * its own newest. We echo the request when it is a version this plugin supports (the reply is then
 * written in the caller's dialect) and otherwise answer our newest, which every runtime can decode.
 */
export function versionReply(requested: unknown, supported: readonly string[]): VersionReply {
  const cniVersion =
    typeof requested === 'string' && supported.includes(requested) ? requested : (newestVersion(supported) ?? CURRENT_VERSION);
  return { cniVersion, supportedVersions: [...supported] };
}
