// The overlay bench's store clock, run as a child process: watches one network's leases in a file or
// etcd store and prints each event as a JSON line stamped with the wall clock in ns (what the parent
// reads too, so the two compare). For the file store each event also carries the file's ctime, which
// the kernel sets when the writer's rename(2) makes the change visible: the store's own time of the
// change, free of this watcher's scheduling delay on a loaded machine (ext4 stamps it from the coarse
// clock, so it reads up to one tick, 4 ms here, early). A
// child, because an etcd reachable only from inside the simulated underlay netns needs a client whose
// sockets live there, and a socket keeps the netns of the thread that made it: the parent spawns this
// from inside that netns. Exits when its stdin closes (the parent went away).
//   tsx bench/overlay-lease-watch.ts file:/path/store.json NETWORK [CONFIG_JSON]
//   tsx bench/overlay-lease-watch.ts etcd:http://192.168.78.254:2379 NETWORK [CONFIG_JSON]
// With CONFIG_JSON (an OverlayConfig), the network's config is stored first when absent.
import fs from 'node:fs';
import type { SubnetStore } from '../lib/overlay/store';
import { EtcdStore, FileStore } from '../lib/overlay/stores';
import type { Lease, OverlayConfig } from '../lib/overlay/types';

/** One line this prints: a lease change (or a full listing after a watch gap), or that the watch runs. */
export interface LeaseWatchLine {
  readonly type: 'ready' | 'added' | 'removed' | 'resync' | 'error';
  /** {@link realtimeNs} when the watch delivered the event, as a decimal string. */
  readonly t: string;
  /** File store: the document's ctime (ns since the epoch) when the event was read, as a decimal string. */
  readonly storeT?: string;
  readonly lease?: Lease;
  readonly leases?: readonly Lease[];
  readonly error?: string;
}

/** Opens the store named like berthd's `--store` (etcd here takes a URL). */
export function openWatchStore(spec: string): SubnetStore {
  if (spec.startsWith('file:')) return new FileStore({ path: spec.slice('file:'.length) });
  if (spec.startsWith('etcd:')) return new EtcdStore({ hosts: [spec.slice('etcd:'.length)] });
  throw new TypeError(`store ${JSON.stringify(spec)}: want file:<path> or etcd:<url>`);
}

/**
 * The wall clock in ns, at the monotonic clock's resolution: performance.timeOrigin (taken from the
 * wall clock when the process started) plus performance.now(). Comparable across processes, which
 * process.hrtime (an arbitrary origin per process, in principle) is not promised to be.
 */
export function realtimeNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e6));
}

function emit(line: Omit<LeaseWatchLine, 't'>): void {
  process.stdout.write(`${JSON.stringify({ ...line, t: String(realtimeNs()) })}\n`);
}

/** The file store document's ctime, when `spec` is a file store. */
function storeTime(spec: string): string | undefined {
  if (!spec.startsWith('file:')) return undefined;
  try {
    return String(fs.statSync(spec.slice('file:'.length), { bigint: true }).ctimeNs);
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const [spec, network, config] = process.argv.slice(2);
  if (spec === undefined || network === undefined) throw new TypeError('usage: overlay-lease-watch.ts <file:PATH|etcd:URL> <network> [config JSON]');
  const store = openWatchStore(spec);
  // The network's config goes in from here too: the one process that reaches etcd in the underlay.
  if (config !== undefined) await store.putConfigIfAbsent(network, JSON.parse(config) as OverlayConfig);
  const snapshot = await store.listLeases(network);
  const watch = await store.watchLeases(network, snapshot.revision, {
    onEvents: (events) => {
      const storeT = storeTime(spec);
      for (const e of events) emit({ type: e.type, lease: e.lease, ...(storeT === undefined ? {} : { storeT }) });
    },
    onResync: (s) => emit({ type: 'resync', leases: s.leases }),
    onError: (err) => emit({ type: 'error', error: err.message }),
  });
  emit({ type: 'ready', leases: snapshot.leases });
  process.stdin.resume();
  process.stdin.on('end', () => {
    void watch.cancel().finally(() => store.close()).finally(() => process.exit(0));
  });
}

if (require.main === module) {
  main().catch((err: Error) => {
    process.stderr.write(`overlay-lease-watch: ${err.message}\n`);
    process.exit(1);
  });
}
