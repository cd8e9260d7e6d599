/** The overlay plugin's configuration: where berthd's lease file is, and how containers are attached. */
import path from 'node:path';
import { CniCode, CniError, assertValid, dropInvalid, formatValue, type NetConf } from '../../lib/cni';
import { leaseFilePath } from '../../lib/overlay';
import { DEFAULT_IPAM_DATA_DIR, DEFAULT_RUN_DIR } from '../../lib/paths';
import validate from './config.validate.cjs';


/** A validated overlay configuration with defaults filled in. */
export interface OverlayConfig {
  /** The network name (`name`): the lease file's and the IPAM store's. */
  readonly network: string;
  readonly cniVersion: string;
  readonly runDir: string;
  /** `leaseFile`, else `<runDir>/overlay/<network>.json`. */
  readonly leaseFile: string;
  /** host-local's dataDir; the delegate configs are kept in `<dataDir>/.overlay-scratch/`. */
  readonly dataDir: string;
  /** Masquerade traffic leaving the cluster CIDR (default true). */
  readonly ipMasq: boolean;
  readonly hairpinMode: boolean;
}

interface RawOverlayConf extends NetConf {
  runDir?: string | null;
  leaseFile?: string | null;
  dataDir?: string | null;
  ipMasq?: boolean | null;
  hairpinMode?: boolean | null;
}

/**
 * Validates the overlay keys (types by the schema, code 7 naming the JSON path and value; then the
 * paths: absolute, no NUL) and applies the defaults. The network name's rule (no `/`, NUL or leading
 * `.`) is the base schema's, so `<runDir>/overlay/<name>.json` never leaves its directory.
 * @throws {CniError} 7
 */
export function loadOverlayConfig(config: NetConf, verb: 'ADD' | 'CHECK' | 'STATUS' | 'DEL' | 'GC' = 'ADD'): OverlayConfig {
  let raw = config as RawOverlayConf;
  if (verb === 'DEL' || verb === 'GC') {
    // Cleanup: only where the attachment's state is must validate (the stored configs under dataDir;
    // GC also reads the lease file); anything else that does not is taken as absent.
    raw = structuredClone(config) as RawOverlayConf;
    dropInvalid(validate, raw, verb === 'GC' ? ['/dataDir', '/runDir', '/leaseFile'] : ['/dataDir']);
  } else {
    assertValid(validate, config);
  }
  // DEL reads no lease file: a path it would not use must not keep it from cleaning up.
  const leasePath = (v: string | null | undefined, field: string): string | undefined => {
    try {
      return absolute(v, field);
    } catch (err) {
      if (verb === 'DEL') return undefined;
      throw err;
    }
  };
  const runDir = leasePath(raw.runDir, '/runDir') ?? DEFAULT_RUN_DIR;
  const leaseFile = leasePath(raw.leaseFile, '/leaseFile') ?? leaseFilePath(runDir, config.name);
  return {
    network: config.name,
    cniVersion: config.cniVersion,
    runDir,
    leaseFile,
    dataDir: dataDirOf(raw.dataDir),
    ipMasq: raw.ipMasq ?? true,
    hairpinMode: raw.hairpinMode ?? false,
  };
}

/** `dataDir`: DEL removes files under it, so it must say where it is (no `..` for normalising to hide). */
function dataDirOf(value: string | null | undefined): string {
  if (typeof value === 'string' && value.split('/').includes('..')) throw configError('/dataDir', `must not contain ".." components (got ${formatValue(value)})`);
  return absolute(value, '/dataDir') ?? DEFAULT_IPAM_DATA_DIR;
}

/** A path key: undefined when absent, null or empty; else an absolute path without NUL, normalised. */
function absolute(value: string | null | undefined, field: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value.includes('\0')) throw configError(field, `must not contain a NUL byte (got ${formatValue(value)})`);
  if (!path.isAbsolute(value)) throw configError(field, `must be an absolute path (got ${formatValue(value)})`);
  return path.normalize(value);
}

function configError(field: string, msg: string): CniError {
  return new CniError(CniCode.InvalidNetworkConfig, `invalid config: ${field}: ${msg}`);
}
