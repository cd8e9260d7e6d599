/** `docker save`'s manifest.json: one entry per image, naming its config and layers by member path. */
import type { ArchiveMembers } from './archive-members';
import { invalid, isObject, kindOf, parseJson } from './archive-json';
import { familiarRef } from './repo-names';

/** One entry of manifest.json, checked. */
export interface DockerManifestItem {
  config: string;
  repoTags: string[];
  layers: string[];
  /** `manifest.json[0]`, for messages. */
  field: string;
}

const pathString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** The entries of manifest.json, their shape checked (which members they name is checked later). */
export function readDockerManifest(members: ArchiveMembers, what: string): DockerManifestItem[] {
  const list = parseJson(members.doc('manifest.json', 'manifest.json'), 'manifest.json', what);
  if (!Array.isArray(list)) throw invalid(what, `manifest.json: want a list of images, got ${kindOf(list)}`);
  if (list.length === 0) throw invalid(what, 'manifest.json: no images in the list');
  return list.map((item, i) => {
    const field = `manifest.json[${i}]`;
    if (!isObject(item)) throw invalid(what, `${field}: want an object, got ${kindOf(item)}`);
    const { Config, RepoTags, Layers } = item;
    if (!pathString(Config)) throw invalid(what, `${field}.Config: want a path in the archive, got ${kindOf(Config)}`);
    if (!Array.isArray(Layers)) throw invalid(what, `${field}.Layers: want a list of paths, got ${kindOf(Layers)}`);
    Layers.forEach((l, j) => {
      if (!pathString(l)) throw invalid(what, `${field}.Layers[${j}]: want a path in the archive, got ${kindOf(l)}`);
    });
    // Docker writes null for an image saved by ID.
    if (RepoTags !== undefined && RepoTags !== null && !Array.isArray(RepoTags)) {
      throw invalid(what, `${field}.RepoTags: want a list of references, got ${kindOf(RepoTags)}`);
    }
    const repoTags = ((RepoTags ?? []) as unknown[]).map((t, j) => {
      if (typeof t !== 'string') throw invalid(what, `${field}.RepoTags[${j}]: want a reference string, got ${kindOf(t)}`);
      try {
        return familiarRef(t);
      } catch (err) {
        throw invalid(what, `${field}.RepoTags[${j}]: ${(err as Error).message}`, err);
      }
    });
    return { config: Config, repoTags: [...new Set(repoTags)], layers: Layers as string[], field };
  });
}
