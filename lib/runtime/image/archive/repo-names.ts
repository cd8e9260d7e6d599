/**
 * Repository names between berth's form and the archive formats'. berth keeps names as given
 * ("busybox"); Docker's manifest.json carries that familiar form too, but the OCI index's
 * `io.containerd.image.name` carries the normalised one ("docker.io/library/busybox:latest"),
 * which is what containerd and Docker 25+ write and expect there.
 */
import { formatImageRef, parseImageRef } from '../image-ref';

const DOCKER_HUB = 'docker.io/';
const OFFICIAL = 'docker.io/library/';

/** True when the first component of `name` is a registry host (Docker's splitDockerDomain rule). */
function hasDomain(name: string): boolean {
  const slash = name.indexOf('/');
  if (slash < 0) return false;
  const first = name.slice(0, slash);
  return /[.:]/.test(first) || first === 'localhost' || first.toLowerCase() !== first;
}

/** `ref` ("name:tag" or a normalised name) as berth stores it: familiar, checked, tagged. */
export function familiarRef(ref: string): string {
  let name = ref;
  if (name.startsWith(OFFICIAL) && !name.slice(OFFICIAL.length).includes('/')) name = name.slice(OFFICIAL.length);
  else if (name.startsWith(DOCKER_HUB)) name = name.slice(DOCKER_HUB.length);
  return formatImageRef(parseImageRef(name));
}

/** The normalised `name:tag` of a familiar `ref` ("busybox:1" -> "docker.io/library/busybox:1"). */
export function normalizedRef(ref: string): { full: string; tag: string } {
  const { name, tag } = parseImageRef(ref);
  const full = hasDomain(name) ? name : `${DOCKER_HUB}${name.includes('/') ? '' : 'library/'}${name}`;
  return { full: `${full}:${tag}`, tag };
}
