// The fixture's expected image and small archives built to order (the legacy format, small layers).
import { MEDIA } from '../../../../../../lib/runtime/image/oci';
import type { ArchiveImage } from '../../../../../../lib/runtime/image/archive';
import { dir, file, hexOf, json, sha256, symlink, tarOf, type Member } from './archive-builder';

/** What the fixture holds (test/fixtures/images/README.md). */
export const FIXTURE_IMAGE: ArchiveImage = {
  repoTags: ['berth-fixture:1.0'],
  config: { mediaType: MEDIA.ociConfig, digest: 'sha256:c92a32ea6cc4179cb45090a3f212762430386e97d867006aa16d05c071c97bc0', size: 752 },
  manifest: { mediaType: MEDIA.ociManifest, digest: 'sha256:ecd58cf442e79fc9ea9d7fa9b7c387acbb89221f97b21b55e8a63a6702a60f49', size: 555 },
  layers: [
    { mediaType: MEDIA.ociLayerGzip, digest: 'sha256:5ab14f83889c28b2adb173bbd4e9cbde723ffbfd2d618ea67f1b8212ced38021', size: 1052182 },
    { mediaType: MEDIA.ociLayer, digest: 'sha256:993609f9027455cc7c387b6056616e0afa397bf5d239db963dfe2dbcc5e32c91', size: 7680 },
  ],
};

/** A small layer: a tar with one file. */
export const layerTar = (name: string, content: string): Promise<Buffer> => tarOf([file(name, content)]);

/** A legacy (Docker <= 24) archive: `<id>/layer.tar`, `<hex>.json`; the duplicate layer a symlink. */
export async function legacyArchive(opts: { diffIds?: (ids: string[]) => string[]; manifest?: (m: any) => unknown; extra?: Member[] } = {}): Promise<{ tar: Buffer; config: Buffer; layers: Buffer[] }> {
  const a = await layerTar('a.txt', 'layer a\n');
  const b = await layerTar('b.txt', 'layer b\n');
  const ids = [sha256(a), sha256(a), sha256(b)];
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: opts.diffIds ? opts.diffIds(ids) : ids } }));
  const configName = `${hexOf(sha256(config))}.json`;
  const [id1, id2, id3] = ['1'.repeat(64), '2'.repeat(64), '3'.repeat(64)];
  const manifest = [{ Config: configName, RepoTags: ['legacy:1', 'docker.io/library/legacy:2'], Layers: [`${id1}/layer.tar`, `${id2}/layer.tar`, `${id3}/layer.tar`] }];
  const tar = await tarOf([
    dir(`${id1}/`),
    file(`${id1}/VERSION`, '1.0'),
    file(`${id1}/json`, '{}'),
    file(`${id1}/layer.tar`, a),
    dir(`${id2}/`),
    symlink(`${id2}/layer.tar`, `../${id1}/layer.tar`),
    dir(`${id3}/`),
    file(`${id3}/layer.tar`, b),
    file(configName, config),
    json('manifest.json', opts.manifest ? opts.manifest(manifest) : manifest),
    json('repositories', { legacy: { '1': id3 } }),
    ...(opts.extra ?? []),
  ]);
  return { tar, config, layers: [a, a, b] };
}

