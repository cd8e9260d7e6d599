/**
 * The container's output in Docker's json-file format: one JSON object per chunk,
 * `{"log":"...","stream":"stdout","time":"..."}`, in `<dir>/<id>-json.log`. Keeping the stream of
 * each line lets `berth logs` send stdout and stderr back where they came from.
 */
import { appendFileSync, closeSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** One record of the log. */
export interface LogRecord {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

/**
 * Appends records for one stream's chunks. Synchronous: order across the two streams is kept. Never
 * throws: a full disk or a removed directory costs log lines, not the container (this runs in the
 * supervisor's data handler, whose failure would kill the supervisor and with it the container).
 * @returns false when the records could not be written.
 */
export function appendLog(path: string, stream: LogRecord['stream'], chunk: Buffer): boolean {
  const time = new Date().toISOString();
  // Split at newlines, as Docker does, so each record is a line of output.
  const text = chunk.toString('utf8');
  const lines = text.split(/(?<=\n)/);
  try {
    appendFileSync(path, lines.map((log) => `${JSON.stringify({ log, stream, time })}\n`).join(''));
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads records from byte `offset`; returns them and the offset after the last complete line.
 */
export function readLog(path: string, offset = 0): { records: LogRecord[]; offset: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { records: [], offset };
  }
  try {
    const size = statSync(path).size;
    if (size <= offset) return { records: [], offset };
    const buf = Buffer.alloc(size - offset);
    const n = readSync(fd, buf, 0, buf.length, offset);
    const text = buf.subarray(0, n).toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    const records = text.slice(0, end).split('\n').filter(Boolean).flatMap((line) => {
      try {
        return [JSON.parse(line) as LogRecord];
      } catch {
        return []; // a torn line from a crash: skipped, never fatal
      }
    });
    return { records, offset: offset + Buffer.byteLength(text.slice(0, end)) };
  } finally {
    closeSync(fd);
  }
}

/** Follows the log until `done()` turns true (the container exited), yielding new records. */
export async function* followLog(path: string, done: () => boolean): AsyncGenerator<LogRecord> {
  let offset = 0;
  for (;;) {
    const finished = done();
    const next = readLog(path, offset);
    offset = next.offset;
    yield* next.records;
    if (finished) return;
    await sleep(100);
  }
}
