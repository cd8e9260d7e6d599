// The overlay bench's store clock, parent side: runs overlay-lease-watch.ts as a child inside the netns
// where the store is reachable, keeps every line it prints, and waits for the one a measurement needs.
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Netns } from '../lib/netns';
import type { OverlayConfig } from '../lib/overlay/types';
import type { LeaseWatchLine } from './overlay-lease-watch';
import { stopChild, type OverlayCluster } from './overlay-cluster';

/** A lease watcher child: every line it printed so far, and waits for the next that matches. */
export class LeaseClock {
  readonly #child: ChildProcess;
  readonly #lines: LeaseWatchLine[] = [];
  #wake: (() => void) | undefined;
  #stderr = '';

  private constructor(child: ChildProcess) {
    this.#child = child;
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        this.#lines.push(JSON.parse(buf.slice(0, i)) as LeaseWatchLine);
        buf = buf.slice(i + 1);
      }
      this.#wake?.();
    });
    child.stderr!.on('data', (d: Buffer) => (this.#stderr += d.toString('utf8')));
    child.on('exit', () => this.#wake?.());
  }

  /**
   * Starts the watcher inside `ns` (where the store is reachable), which stores `config` for `network`
   * when the store has none, and waits until its watch runs.
   */
  static async start(cluster: OverlayCluster, ns: Netns, store: string, network: string, config: OverlayConfig): Promise<LeaseClock> {
    const script = path.join(__dirname, 'overlay-lease-watch.ts');
    const child = cluster.spawnIn(ns, process.execPath, ['--import', 'tsx', script, store, network, JSON.stringify(config)], ['pipe', 'pipe', 'pipe']);
    // Its readings are the store side's clock: under load (every daemon, etcd and the poller on a few
    // CPUs) the scheduler must not make it late. Niceness binds the thread named, here the JS one.
    if (child.pid !== undefined) os.setPriority(child.pid, -10);
    const clock = new LeaseClock(child);
    await clock.next(0, (l) => l.type === 'ready', 30_000, 'the lease watcher to start');
    return clock;
  }

  /** How many lines have arrived: the `from` of a later next(). */
  get mark(): number {
    return this.#lines.length;
  }

  /** The first line at index >= `from` that `pred` accepts; throws naming `what` after `ms`. */
  async next(from: number, pred: (l: LeaseWatchLine) => boolean, ms: number, what: string): Promise<LeaseWatchLine> {
    const deadline = Date.now() + ms;
    for (let i = from; ; ) {
      for (; i < this.#lines.length; i++) if (pred(this.#lines[i]!)) return this.#lines[i]!;
      if (this.#child.exitCode !== null) throw new Error(`lease watcher exited (${this.#child.exitCode}) while waiting for ${what}: ${this.#stderr.trim()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Ends the watcher: its stdin closes (it cancels the watch and exits), SIGTERM too, SIGKILL after 3 s. */
  async close(): Promise<void> {
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 3000);
    await stopChild(this.#child, 'SIGTERM');
    clearTimeout(timer);
  }
}
