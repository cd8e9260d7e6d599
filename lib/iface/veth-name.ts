/**
 * The host veth name of one attachment, derived from who it is for rather than drawn at random: DEL
 * can then find the host end by name whatever became of the container end (renamed, moved, its netns
 * gone while a process holds it) and even when ADD was killed between creating the pair and tagging
 * it with its alias (IFLA_IFALIAS is ignored by RTM_NEWLINK, so the tag takes a second request).
 */

/** FNV-1a, 32 bits: a cheap, stable spread (node:crypto would cost every plugin start ~10 ms). */
function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * `veth` + 8 hex digits of a hash of (network, containerID, ifname): the reference's name shape
 * (`veth` + 8 random hex digits), so results and tools that match it see no difference. Two
 * attachments may hash alike (32 bits); the later one then falls back to a random name, and DEL finds
 * it by its alias as before.
 */
export function attachmentVethName(network: string, containerId: string, ifName: string): string {
  return `veth${fnv1a32(`${network}\0${containerId}\0${ifName}`).toString(16).padStart(8, '0')}`;
}
