/**
 * An OCI image layout's index.json (a plain layout, or the one inside Docker 25+'s `docker save`):
 * its entries resolved down to single-platform manifests, nested indexes by this host's platform.
 */
import { isIndexType, isManifestType, type Descriptor } from '../oci';
import type { ArchiveMembers, StoredBlob } from './archive-members';
import { checkDescriptor, invalid, isObject, kindOf, parseJson } from './archive-json';
import { familiarRef } from './repo-names';

/** One manifest the index leads to, with the names its entries give it. */
export interface IndexedManifest {
  repoTags: string[];
  descriptor: Descriptor;
  config: Descriptor;
  layers: Descriptor[];
  /** Where it came from, for messages: `index.json: manifests[0]`. */
  field: string;
}

const NAME = 'io.containerd.image.name';
const REF_NAME = 'org.opencontainers.image.ref.name';
/** Nested indexes followed (index -> index -> manifest is already unusual). */
const MAX_DEPTH = 4;
/** Node's arch names where the OCI's differ. */
const GOARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' };
/** The platform images are chosen for: this host's. */
const HOST = { os: 'linux', architecture: GOARCH[process.arch] ?? process.arch };

/** The blob a descriptor names, which must be in the archive with the size the descriptor gives. */
export async function blobFor(members: ArchiveMembers, d: Descriptor, field: string, what: string): Promise<StoredBlob> {
  const path = `blobs/sha256/${d.digest.slice('sha256:'.length)}`;
  if (!members.has(path)) throw invalid(what, `${field}: blob ${d.digest} is not in the archive`);
  const blob = await members.blob(path, field);
  if (blob.size !== d.size) throw invalid(what, `${field}: blob ${d.digest} has ${blob.size} bytes, the descriptor says ${d.size}`);
  return blob;
}

/** The parsed JSON blob a descriptor names, checked against the descriptor. */
async function jsonFor(members: ArchiveMembers, d: Descriptor, field: string, what: string): Promise<Record<string, unknown>> {
  await blobFor(members, d, field, what);
  const member = `blobs/sha256/${d.digest.slice('sha256:'.length)}`;
  const doc = parseJson(members.doc(member, field), member, what);
  if (!isObject(doc)) throw invalid(what, `${member}: want an object, got ${kindOf(doc)}`);
  return doc;
}

function descriptors(list: unknown, field: string, what: string): Descriptor[] {
  if (!Array.isArray(list)) throw invalid(what, `${field}: want a list of descriptors, got ${kindOf(list)}`);
  return list.map((d, i) => checkDescriptor(d, `${field}[${i}]`, what));
}

/** The name an index entry gives its image: containerd's full name, or a ref.name that is a reference. */
function entryRef(d: Descriptor, field: string, what: string): string | undefined {
  const name = d.annotations?.[NAME] ?? d.annotations?.[REF_NAME];
  // A bare ref.name is a tag of a name the layout does not give ("latest"): no image name.
  if (name === undefined || (d.annotations?.[NAME] === undefined && !/[:/]/.test(name))) return undefined;
  try {
    return familiarRef(name);
  } catch (err) {
    throw invalid(what, `${field}.annotations: ${(err as Error).message}`, err);
  }
}

/** The one entry of a nested index to use: this host's platform, or the only image there is. */
function pickPlatform(list: Descriptor[], field: string, what: string): { d: Descriptor; i: number } {
  const images = list
    .map((d, i) => ({ d, i }))
    .filter(({ d }) => d.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest');
  const host = images.find(({ d }) => d.platform?.os === HOST.os && d.platform.architecture === HOST.architecture);
  if (host) return host;
  if (images.length === 1) return images[0]!;
  const have = images.map(({ d }) => (d.platform ? `${d.platform.os}/${d.platform.architecture}` : 'unknown')).join(', ');
  throw invalid(what, `${field}: no ${HOST.os}/${HOST.architecture} image in the index (it has ${have || 'none'})`);
}

/** The manifest `d` leads to, through nested indexes. */
async function manifestOf(members: ArchiveMembers, d: Descriptor, field: string, what: string, depth = 0): Promise<{ descriptor: Descriptor; config: Descriptor; layers: Descriptor[] }> {
  if (isIndexType(d.mediaType)) {
    if (depth >= MAX_DEPTH) throw invalid(what, `${field}: indexes nested too deep`);
    const index = await jsonFor(members, d, field, what);
    const list = descriptors(index.manifests, `${field} (${d.digest}): manifests`, what);
    const { d: next, i } = pickPlatform(list, `${field} (${d.digest})`, what);
    return manifestOf(members, next, `${field} (${d.digest}): manifests[${i}]`, what, depth + 1);
  }
  if (!isManifestType(d.mediaType)) throw invalid(what, `${field}: unsupported media type ${JSON.stringify(d.mediaType)}`);
  const manifest = await jsonFor(members, d, field, what);
  const member = `blobs/sha256/${d.digest.slice('sha256:'.length)}`;
  if (manifest.schemaVersion !== 2) throw invalid(what, `${member}: schemaVersion: want 2, got ${JSON.stringify(manifest.schemaVersion) ?? 'nothing'}`);
  if (manifest.mediaType !== undefined && manifest.mediaType !== d.mediaType) {
    throw invalid(what, `${member}: mediaType ${JSON.stringify(manifest.mediaType)} differs from ${field}'s ${JSON.stringify(d.mediaType)}`);
  }
  const config = checkDescriptor(manifest.config, `${member}: config`, what);
  const layers = descriptors(manifest.layers, `${member}: layers`, what).map(({ mediaType, digest, size }) => ({ mediaType, digest, size }));
  return { descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size }, config: { mediaType: config.mediaType, digest: config.digest, size: config.size }, layers };
}

/**
 * The manifests index.json leads to, one per manifest digest, with every name its entries give
 * (Docker 25+ writes one entry per tag). Every entry must resolve: a layout whose index points at a
 * missing blob is damaged, whichever image the caller wanted.
 */
export async function readOciIndex(members: ArchiveMembers, what: string): Promise<IndexedManifest[]> {
  const index = parseJson(members.doc('index.json', 'index.json'), 'index.json', what);
  if (!isObject(index)) throw invalid(what, `index.json: want an image index object, got ${kindOf(index)}`);
  if (index.schemaVersion !== 2) throw invalid(what, `index.json: schemaVersion: want 2, got ${JSON.stringify(index.schemaVersion) ?? 'nothing'}`);
  const out = new Map<string, IndexedManifest>();
  const entries = descriptors(index.manifests, 'index.json: manifests', what);
  for (const [i, d] of entries.entries()) {
    const field = `index.json: manifests[${i}]`;
    const ref = entryRef(d, field, what);
    const found = await manifestOf(members, d, field, what);
    const seen = out.get(found.descriptor.digest) ?? { repoTags: [], ...found, field };
    if (ref !== undefined && !seen.repoTags.includes(ref)) seen.repoTags.push(ref);
    out.set(found.descriptor.digest, seen);
  }
  return [...out.values()];
}

/** Checks `oci-layout`, the marker every OCI image layout has. */
export function checkLayoutMarker(members: ArchiveMembers, what: string): void {
  if (!members.has('oci-layout')) throw invalid(what, 'oci-layout is not in the archive (index.json without it is not an OCI image layout)');
  const marker = parseJson(members.doc('oci-layout', 'oci-layout'), 'oci-layout', what);
  if (!isObject(marker) || typeof marker.imageLayoutVersion !== 'string') throw invalid(what, 'oci-layout: want {"imageLayoutVersion": "1.0.0"}');
}
