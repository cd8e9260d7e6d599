import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CNI_NAME } from '../../paths';
import { makeDirsAsync, writeFileDurable } from '../../sys';

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/** True for a 6-octet `aa:bb:cc:dd:ee:ff` unicast MAC that is not all zeros. */
export function isUnicastMac(mac: string): boolean {
  const m = mac.toLowerCase();
  return MAC_RE.test(m) && (parseInt(m.slice(0, 2), 16) & 0x01) === 0 && m !== '00:00:00:00:00:00';
}

/**
 * A random locally administered unicast MAC (first octet: bit 1 set, bit 0 clear), as flannel's
 * `mac.NewHardwareAddr`. Peers key their neighbour and FDB entries on it, so it is made once per node
 * and network and then kept ({@link ensureVtepMac}).
 * @param random injectable for tests
 */
export function randomVtepMac(random: (n: number) => Buffer = randomBytes): string {
  const b = Buffer.from(random(6));
  b[0] = (b[0]! & 0xfe) | 0x02;
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** `<stateDir>/<network>.vtep-mac`. */
export function vtepMacPath(stateDir: string, network: string): string {
  if (!CNI_NAME.test(network)) throw new TypeError(`invalid network name ${JSON.stringify(network)}`);
  return join(stateDir, `${network}.vtep-mac`);
}

/** The persisted VTEP MAC of `network`, or undefined when none (or an unreadable one) is stored. */
export async function loadVtepMac(stateDir: string, network: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(vtepMacPath(stateDir, network), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const mac = text.trim().toLowerCase();
  return isUnicastMac(mac) ? mac : undefined;
}

/**
 * Persists `mac` for `network` (lib/sys/durable-file: a crash leaves the old MAC or the new, never
 * half). fsynced: the file exists to outlive restarts, and it is written once per node and network.
 * Temp files of a killed write are not swept (no lock covers the state directory, and one is a few
 * bytes that nothing lists); neither were the `<file>.<pid>.tmp` ones of earlier versions.
 */
export async function saveVtepMac(stateDir: string, network: string, mac: string): Promise<void> {
  if (!isUnicastMac(mac)) throw new TypeError(`invalid VTEP MAC ${JSON.stringify(mac)}`);
  await makeDirsAsync(stateDir, 0o755);
  await writeFileDurable(vtepMacPath(stateDir, network), `${mac.toLowerCase()}\n`, { mode: 0o644 });
}

/**
 * The VTEP MAC of `network` on this node: the persisted one, else `fallback` (the MAC of a device a
 * previous run left, so adopting it disrupts nobody), else a new random one; persisted before it is
 * returned. A MAC that changed across restarts is flannel#1795: peers keep the old one and drop traffic.
 */
export async function ensureVtepMac(stateDir: string, network: string, fallback?: string): Promise<string> {
  const stored = await loadVtepMac(stateDir, network);
  if (stored) return stored;
  const mac = fallback && isUnicastMac(fallback) ? fallback.toLowerCase() : randomVtepMac();
  await saveVtepMac(stateDir, network, mac);
  return mac;
}
