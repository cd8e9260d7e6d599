/** Checking the JSON documents of an archive, each error naming the member and field it is about. */
import { ImageError } from '../image-error';
import { digestHex, type Descriptor } from '../oci';

/** An ImageError 'invalid' about the input `what`. */
export function invalid(what: string, message: string, cause?: unknown): ImageError {
  return new ImageError(`${what}: ${message}`, 'invalid', cause === undefined ? undefined : { cause });
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `bytes` parsed, or an error naming `member`. */
export function parseJson(bytes: Buffer, member: string, what: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw invalid(what, `${member}: not valid JSON (${(err as Error).message})`, err);
  }
}

/** JSON's name for the kind of `v`, for "want X, got Y" messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** The digest `value` at `field`, checked (sha256 only), with `what` in front of any error. */
export function checkDigest(value: unknown, field: string, what: string): string {
  try {
    return `sha256:${digestHex(value, field)}`;
  } catch (err) {
    if (err instanceof ImageError) throw invalid(what, err.message, err);
    throw err;
  }
}

/** A descriptor at `field`: media type, digest and size as the OCI spec requires them. */
export function checkDescriptor(value: unknown, field: string, what: string): Descriptor {
  if (!isObject(value)) throw invalid(what, `${field}: want a descriptor object, got ${kindOf(value)}`);
  const { mediaType, digest, size, annotations, platform } = value;
  if (typeof mediaType !== 'string' || mediaType === '') throw invalid(what, `${field}.mediaType: want a media type string, got ${kindOf(mediaType)}`);
  const checked = checkDigest(digest, `${field}.digest`, what);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw invalid(what, `${field}.size: want a byte count, got ${JSON.stringify(size) ?? kindOf(size)}`);
  }
  const out: Descriptor = { mediaType, digest: checked, size };
  if (isObject(annotations) && Object.values(annotations).every((a) => typeof a === 'string')) out.annotations = annotations as Record<string, string>;
  if (isObject(platform) && typeof platform.os === 'string' && typeof platform.architecture === 'string') {
    out.platform = { os: platform.os, architecture: platform.architecture, ...(typeof platform.variant === 'string' ? { variant: platform.variant } : {}) };
  }
  return out;
}

/**
 * The diff IDs of the image config in `bytes` (member `member`), which must name one per layer:
 * a config that disagrees with its layers can never be unpacked into the image it describes.
 */
export function configDiffIds(bytes: Buffer, member: string, layerCount: number, layersField: string, what: string): string[] {
  const config = parseJson(bytes, member, what);
  if (!isObject(config)) throw invalid(what, `${member}: want an image config object, got ${kindOf(config)}`);
  const { rootfs } = config;
  if (!isObject(rootfs)) throw invalid(what, `${member}: rootfs: want an object, got ${kindOf(rootfs)}`);
  if (rootfs.type !== 'layers') throw invalid(what, `${member}: rootfs.type: want "layers", got ${JSON.stringify(rootfs.type) ?? 'nothing'}`);
  const ids = rootfs.diff_ids;
  if (!Array.isArray(ids)) throw invalid(what, `${member}: rootfs.diff_ids: want a list of digests, got ${kindOf(ids)}`);
  const checked = ids.map((id, i) => checkDigest(id, `${member}: rootfs.diff_ids[${i}]`, what));
  if (checked.length !== layerCount) {
    throw invalid(what, `${member}: rootfs.diff_ids has ${checked.length} entries but ${layersField} has ${layerCount} layers`);
  }
  return checked;
}
