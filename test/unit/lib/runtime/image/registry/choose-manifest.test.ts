import assert from 'node:assert/strict';
import { type Descriptor, type ImageIndex, MEDIA } from '../../../../../../lib/runtime/image/oci';
import { chooseManifest, formatPlatform, hostPlatform } from '../../../../../../lib/runtime/image/registry';

const entry = (n: number, os: string, architecture: string, variant?: string, mediaType: string = MEDIA.ociManifest): Descriptor => ({
  mediaType,
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 100 + n,
  platform: { os, architecture, ...(variant ? { variant } : {}) },
});

describe('lib/runtime/image/registry/choose-manifest', () => {
  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: [
      entry(1, 'unknown', 'unknown'),
      entry(2, 'linux', 'arm64', 'v8'),
      entry(3, 'linux', 'amd64', undefined, MEDIA.dockerManifest),
      entry(4, 'linux', 'arm', 'v7'),
      entry(5, 'linux', 'arm', 'v6'),
      entry(6, 'windows', 'amd64'),
    ],
  };
  it('picks linux/amd64 by default', () => {
    assert.equal(chooseManifest(index).size, 103);
  });
  it('matches a variant when asked, arm64 with or without v8', () => {
    assert.equal(chooseManifest(index, { os: 'linux', architecture: 'arm', variant: 'v6' }).size, 105);
    assert.equal(chooseManifest(index, { os: 'linux', architecture: 'arm64' }).size, 102);
    assert.equal(chooseManifest({ schemaVersion: 2, manifests: [entry(7, 'linux', 'arm64')] }, { os: 'linux', architecture: 'arm64', variant: 'v8' }).size, 107);
  });
  it('prefers an entry without a variant among several matches', () => {
    const two: ImageIndex = { schemaVersion: 2, manifests: [entry(1, 'linux', 'amd64', 'v3'), entry(2, 'linux', 'amd64')] };
    assert.equal(chooseManifest(two).size, 102);
  });
  it('skips entries that are not image manifests (a nested index)', () => {
    const nested: ImageIndex = { schemaVersion: 2, manifests: [entry(1, 'linux', 'amd64', undefined, MEDIA.ociIndex), entry(2, 'linux', 's390x')] };
    assert.throws(() => chooseManifest(nested), /^ImageError: no matching manifest for linux\/amd64 in the manifest list entries \(available: linux\/s390x\)$/);
  });
  it('lists the platforms there are when none matches', () => {
    assert.throws(
      () => chooseManifest(index, { os: 'linux', architecture: 'riscv64' }),
      (err: Error & { kind?: string }) => err.kind === 'not-found' && err.message === 'no matching manifest for linux/riscv64 in the manifest list entries (available: linux/arm64/v8, linux/amd64, linux/arm/v7, linux/arm/v6, windows/amd64)',
    );
    assert.throws(() => chooseManifest({ schemaVersion: 2, manifests: [] }), /\(available: none\)/);
  });
  it("names this machine's platform in Go's spelling", () => {
    assert.equal(hostPlatform().os, 'linux');
    assert.match(hostPlatform().architecture, /^(amd64|arm64|arm|386|ppc64le|s390x|riscv64|loong64|.+)$/);
    assert.equal(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
  });
});
