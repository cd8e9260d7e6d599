/**
 * berth's run defaults to and from the OCI image config (Docker's image JSON), whose sha256 is the
 * image ID. Images berth builds itself (busybox, import) get a config written here; loaded and
 * pulled images keep theirs byte for byte and berth reads the fields `run` honours from it.
 */
import { completeConfig, IMPORT_CONFIG, type ImageConfig } from './image-config';
import { ImageError } from './image-error';
import { isDigest, type OciImageConfig } from './oci';

/** The config JSON of a one-layer image berth built: compact, keys in a fixed order, so equal inputs give an equal ID. */
export function ociConfigFor(config: ImageConfig, diffIds: readonly string[], created: string, createdBy: string): Buffer {
  const run: Record<string, unknown> = {};
  if (config.User !== undefined) run.User = config.User;
  if (config.ExposedPorts !== undefined) run.ExposedPorts = config.ExposedPorts;
  run.Env = config.Env.length > 0 ? config.Env : null;
  if (config.Entrypoint !== null) run.Entrypoint = config.Entrypoint;
  run.Cmd = config.Cmd.length > 0 ? config.Cmd : null;
  if (config.Volumes !== undefined) run.Volumes = config.Volumes;
  run.WorkingDir = config.WorkingDir;
  const doc = {
    architecture: 'amd64',
    config: run,
    created,
    history: [{ created, created_by: createdBy }],
    os: 'linux',
    rootfs: { type: 'layers', diff_ids: diffIds },
  };
  return Buffer.from(JSON.stringify(doc));
}

/**
 * Parses an image config blob and takes what berth runs with from it.
 * @throws ImageError invalid naming the field.
 */
export function parseOciConfig(bytes: Buffer, what: string): { oci: OciImageConfig; config: ImageConfig } {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ImageError(`${what}: image config is not JSON: ${(err as Error).message}`, 'invalid');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new ImageError(`${what}: image config must be a JSON object`, 'invalid');
  const oci = doc as OciImageConfig;
  const rootfs = oci.rootfs as unknown;
  if (typeof rootfs !== 'object' || rootfs === null || !Array.isArray((rootfs as OciImageConfig['rootfs']).diff_ids)) {
    throw new ImageError(`${what}: image config: rootfs.diff_ids must be a list`, 'invalid');
  }
  oci.rootfs.diff_ids.forEach((d, i) => {
    if (!isDigest(d)) throw new ImageError(`${what}: image config: rootfs.diff_ids[${i}] ${JSON.stringify(d)} is not a sha256 digest`, 'invalid');
  });
  if (oci.os !== undefined && oci.os !== 'linux') throw new ImageError(`${what}: image is for os ${JSON.stringify(oci.os)}; berth runs linux images`, 'invalid');
  const run = (oci.config ?? {}) as NonNullable<OciImageConfig['config']>;
  if (typeof run !== 'object' || Array.isArray(run)) throw new ImageError(`${what}: image config: config must be an object`, 'invalid');
  try {
    const config = completeConfig({
      Cmd: run.Cmd ?? [],
      Env: run.Env ?? [],
      WorkingDir: run.WorkingDir ?? '',
      Entrypoint: run.Entrypoint ?? null,
      ...(run.ExposedPorts ? { ExposedPorts: run.ExposedPorts as ImageConfig['ExposedPorts'] } : {}),
      ...(run.User ? { User: run.User } : {}),
      ...(run.Volumes ? { Volumes: run.Volumes as ImageConfig['Volumes'] } : {}),
    }, IMPORT_CONFIG);
    return { oci, config };
  } catch (err) {
    throw new ImageError(`${what}: ${(err as Error).message}`, 'invalid');
  }
}
