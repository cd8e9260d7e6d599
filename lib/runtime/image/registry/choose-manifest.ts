/**
 * Picking one platform's manifest from an index or manifest list, as a pull does: by os and
 * architecture, and by variant when one is asked for (arm64's only variant, v8, may be left out on
 * either side). Entries that are not image manifests (attestations, nested indexes) never match.
 */
import { type Descriptor, type ImageIndex, type Platform, isManifestType } from '../oci';
import { ImageError } from '../image-error';

/** The platform of this machine in Go's (and the image formats') spelling. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

/** `os/arch[/variant]`, as Docker prints platforms. */
export function formatPlatform(p: Partial<Platform>): string {
  return [p.os ?? 'unknown', p.architecture ?? 'unknown', ...(p.variant ? [p.variant] : [])].join('/');
}

/**
 * The entry of `index` for `platform`; among several matches, one without a variant (or the first).
 * @throws ImageError not-found `no matching manifest for linux/amd64 in the manifest list entries
 *   (available: ...)`.
 */
export function chooseManifest(index: ImageIndex, platform: Platform = { os: 'linux', architecture: 'amd64' }): Descriptor {
  const entries = Array.isArray(index.manifests) ? index.manifests : [];
  const matches = entries.filter((d) => isManifestType(d.mediaType) && d.platform !== undefined && matchesPlatform(d.platform, platform));
  const chosen = matches.find((d) => !d.platform?.variant) ?? matches[0];
  if (chosen !== undefined) return chosen;
  const available = [...new Set(entries.filter((d) => isManifestType(d.mediaType) && d.platform && d.platform.os !== 'unknown').map((d) => formatPlatform(d.platform!)))];
  throw new ImageError(
    `no matching manifest for ${formatPlatform(platform)} in the manifest list entries (available: ${available.length > 0 ? available.join(', ') : 'none'})`,
    'not-found',
  );
}

function matchesPlatform(have: Platform, want: Platform): boolean {
  if (have.os !== want.os || have.architecture !== want.architecture) return false;
  if (!want.variant) return true;
  const norm = (v: string | undefined): string | undefined => (want.architecture === 'arm64' && (v === undefined || v === '') ? 'v8' : v);
  return norm(have.variant) === norm(want.variant);
}
