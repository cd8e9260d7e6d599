/**
 * The per-layer progress of `berth pull` and `berth push`, drawn as Docker's CLI draws it
 * (jsonmessage.go): one line per layer, `<12 hex>: <status> [<bar>] <done>/<total>`, rewritten in
 * place with ANSI cursor movement on a terminal. Piped to a file or a CI log, where cursor movement is
 * garbage, each change of status is a line of its own, counts without a bar, and at most one progress
 * line per layer per second. Pure: events in, text to a write function out.
 */
import { formatSize, type TransferEvent, type TransferPhase } from '../../../lib/runtime/image';
import { type BlobPhase } from '../../../lib/runtime/image/registry';

/** A layer's status, in Docker's words once rendered (see STATUS). */
export type ProgressPhase = TransferPhase;

const STATUS: Readonly<Record<ProgressPhase, string>> = {
  waiting: 'Waiting',
  pulling: 'Pulling fs layer',
  downloading: 'Downloading',
  verifying: 'Verifying Checksum',
  'download-complete': 'Download complete',
  extracting: 'Extracting',
  'pull-complete': 'Pull complete',
  exists: 'Already exists',
  preparing: 'Preparing',
  pushing: 'Pushing',
  pushed: 'Pushed',
  'layer-exists': 'Layer already exists',
  retrying: 'Retrying',
};

/** The phases whose lines carry byte counts. */
const COUNTED: ReadonlySet<ProgressPhase> = new Set(['downloading', 'extracting', 'pushing']);

/** One change of one layer: its digest (or short id), phase, and bytes so far of how many. */
export type ProgressEvent = TransferEvent;

/** Where and how a {@link PullProgress} draws. */
export interface PullProgressOptions {
  write: (text: string) => void;
  /** Redraw in place (a terminal) or log line by line (anything else). */
  isTTY: boolean;
  /** Terminal columns; Docker draws the bar only wider than 110 (default 200, Docker's when unknown). */
  columns?: number;
  /** The clock of the non-terminal throttle (ms). */
  now?: () => number;
  /** Least time between two progress lines of one layer when not a terminal (default 1000 ms). */
  throttleMs?: number;
}

/** A pull's or push's progress display. */
export class PullProgress {
  private readonly opts: PullProgressOptions;
  /** Terminal: the lines drawn so far, by layer id (undefined for a plain message). */
  private readonly lines: (string | undefined)[] = [];
  /** Not a terminal: per layer, the last phase logged and when its last progress line went out. */
  private readonly logged = new Map<string, { phase: ProgressPhase; at: number; text: string }>();

  constructor(opts: PullProgressOptions) {
    this.opts = opts;
  }

  /** Shows `event`: a new line for a new layer, its line redrawn (or a new log line) otherwise. */
  update(event: ProgressEvent): void {
    const id = shortId(event.id);
    if (this.opts.isTTY) return this.redraw(id, `${id}: ${statusText(event, this.opts.columns ?? 200)}`);
    const now = (this.opts.now ?? Date.now)();
    const last = this.logged.get(id);
    const text = `${id}: ${statusText(event, 0)}`;
    if (last !== undefined && last.text === text) return;
    if (last !== undefined && last.phase === event.phase && COUNTED.has(event.phase) && now - last.at < (this.opts.throttleMs ?? 1000)) return;
    this.logged.set(id, { phase: event.phase, at: now, text });
    this.opts.write(`${text}\n`);
  }

  /** A pull's blob event (lib/runtime/image/registry's pullBlobs) in Docker's words. */
  blob(digest: string, current: number, total: number, phase: BlobPhase): void {
    const mapped: Record<BlobPhase, ProgressPhase> = { exists: 'exists', waiting: 'pulling', downloading: 'downloading', complete: 'download-complete' };
    this.update({ id: digest, phase: mapped[phase], current, total });
  }

  /** A line of its own, below the layers (`Digest: sha256:...`, `Status: ...`). */
  message(text: string): void {
    if (this.opts.isTTY) this.lines.push(undefined);
    this.opts.write(`${text}\n`);
  }

  private redraw(id: string, text: string): void {
    const at = this.lines.lastIndexOf(id);
    if (at < 0) {
      this.lines.push(id);
      return this.opts.write(`${text}\n`);
    }
    // Up to the layer's line, clear it, write, and back down to where new lines go.
    const up = this.lines.length - at;
    this.opts.write(`\x1b[${up}A\x1b[2K\r${text}\x1b[${up}B\r`);
  }
}

/** The 12 hex digits Docker names a layer by (`sha256:` dropped); other ids as they are. */
export function shortId(id: string): string {
  const m = /^(?:sha256:)?([0-9a-f]{12})[0-9a-f]{52}$/.exec(id);
  return m ? m[1]! : id;
}

/** `<status>` or `<status> <progress>`, the bar only when `columns` > 110 (Docker's rule). */
function statusText(event: ProgressEvent, columns: number): string {
  const status = STATUS[event.phase];
  if (!COUNTED.has(event.phase) || event.current === undefined) return status;
  const progress = progressText(event.current, event.total ?? 0, columns > 110);
  return progress === '' ? status : `${status} ${progress}`;
}

/**
 * JSONProgress.String without the time left: `[=====>      ]    1.2MB/3.4MB`, a 50-column bar
 * (`=` per 2 %), the count right-aligned in 8 columns; the total dropped when the count passes it.
 */
export function progressText(current: number, total: number, bar: boolean): string {
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current).padStart(8);
  const percentage = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const box = bar ? `[${'='.repeat(percentage)}>${' '.repeat(50 - percentage)}] ` : '';
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return `${box}${numbers}`;
}

/** go-units HumanSize: decimal units, 4 significant digits, trailing zeros dropped ("1.235MB", "512B"). */
export function humanSize(bytes: number): string {
  return formatSize(bytes, 4);
}
