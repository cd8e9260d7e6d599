/**
 * A watch on the file store: fs.watch on the directory for promptness, a poll for certainty (inotify
 * misses nothing on a local disk, but may be unavailable or exhausted, and a shared directory on
 * another filesystem may never notify). Each check delivers the events logged after the watcher's
 * revision, or a fresh listing when the log no longer reaches back that far.
 *
 * Expiry is turned into events here: a watch that sees an expired lease in its network (on a check, or
 * from a timer set at the earliest expiry) asks the store to delete it under the lock. Whichever
 * watcher, in whichever process, gets there first writes the deletion, the others find nothing left to
 * delete, and every watcher reads the one 'removed' event from the log.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LeaseEvent } from '../types';
import type { Watch, WatchHandlers } from '../store';
import { earliestExpiry, liveLeases, type FileDocument } from './file-document';
import { GuardedHandlers } from './watch-plumbing';

/** What a file watch needs from its store. */
export interface FileWatchSource {
  /** The document file. */
  readonly path: string;
  /** Interval of the fallback poll, in ms. */
  readonly pollMs: number;
  /** Reads the document without the lock (missing file: the empty document). */
  read(): Promise<FileDocument>;
  /** Deletes expired leases under the lock, logging their 'removed' events. */
  reap(): Promise<void>;
}

/** Longest delay setTimeout takes (about 24.8 days); a later expiry is re-armed on a later check. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A running watch of one network in a file store. */
export class FileWatch implements Watch {
  readonly #source: FileWatchSource;
  readonly #network: string;
  readonly #guard: GuardedHandlers;
  #revision: number;
  #cancelled = false;
  #running: Promise<void> | undefined;
  #again = false;
  #statKey = '';
  #doc: FileDocument | undefined;
  readonly #poll: NodeJS.Timeout;
  #expiryTimer: NodeJS.Timeout | undefined;
  #fsWatcher: fs.FSWatcher | undefined;

  constructor(source: FileWatchSource, network: string, fromRevision: number, handlers: WatchHandlers) {
    this.#source = source;
    this.#network = network;
    this.#guard = new GuardedHandlers(handlers);
    this.#revision = fromRevision;
    this.#poll = setInterval(() => this.#schedule(), source.pollMs).unref();
    const base = path.basename(source.path);
    try {
      // Non-persistent: a watch alone does not keep the process alive; berthd has its server for that.
      this.#fsWatcher = fs.watch(path.dirname(source.path), { persistent: false }, (_event, name) => {
        if (name === null || name === base) this.#schedule();
      });
      this.#fsWatcher.on('error', () => {
        this.#fsWatcher?.close();
        this.#fsWatcher = undefined;
      });
    } catch {
      // No inotify (limit reached, odd filesystem): the poll alone keeps the watch going.
    }
    setImmediate(() => this.#schedule());
  }

  async cancel(): Promise<void> {
    this.#cancelled = true;
    clearInterval(this.#poll);
    clearTimeout(this.#expiryTimer);
    this.#fsWatcher?.close();
    await this.#running;
  }

  /** Runs a check now, or once more after the running one: checks never overlap, none is lost. */
  #schedule(): void {
    if (this.#cancelled) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#check();
      } while (this.#again && !this.#cancelled);
    })().finally(() => {
      this.#running = undefined;
    });
  }

  async #check(): Promise<void> {
    let doc: FileDocument;
    try {
      doc = await this.#load();
    } catch (err) {
      this.#guard.report(err);
      return;
    }
    if (this.#cancelled) return;
    const now = Date.now();
    if (doc.revision < this.#revision || doc.compacted > this.#revision) {
      // The log lost events we have not seen (or the file was replaced by an older one).
      this.#revision = doc.revision;
      this.#guard.call((h) => h.onResync({ leases: liveLeases(doc, this.#network, now), revision: doc.revision }));
    } else if (doc.revision > this.#revision) {
      const from = this.#revision;
      this.#revision = doc.revision;
      const events: LeaseEvent[] = doc.events
        .filter((e) => e.revision > from && e.network === this.#network)
        .map((e) => ({ type: e.type, lease: e.lease }));
      if (events.length > 0) this.#guard.call((h) => h.onEvents(events, doc.revision));
    }
    if (this.#cancelled) return;
    clearTimeout(this.#expiryTimer);
    const earliest = earliestExpiry(doc, this.#network);
    if (earliest === undefined) return;
    if (earliest > now) {
      // +1: timers may fire a hair early, and a lease expiring at t is still live at t - 0.
      this.#expiryTimer = setTimeout(() => this.#schedule(), Math.min(earliest - now + 1, MAX_TIMER_MS)).unref();
      return;
    }
    try {
      await this.#source.reap();
      this.#again = true; // deliver the 'removed' events at once rather than at the next poll
    } catch (err) {
      this.#guard.report(err);
    }
  }

  /** The document, re-read only when the file changed (stat identity: a rename brings a new inode). */
  async #load(): Promise<FileDocument> {
    let key: string;
    try {
      const st = await fs.promises.stat(this.#source.path, { bigint: true });
      key = `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      key = 'missing';
    }
    if (key !== this.#statKey || this.#doc === undefined) {
      this.#doc = await this.#source.read();
      this.#statKey = key;
    }
    return this.#doc;
  }

}
