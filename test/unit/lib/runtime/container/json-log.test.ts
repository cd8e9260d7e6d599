import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendLog, followLog, readLog } from '../../../../../lib/runtime/container/json-log';

describe('lib/runtime/container/json-log', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-log-'));
    path = join(dir, 'x-json.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("writes Docker's json-file records, one per line of output", () => {
    appendLog(path, 'stdout', Buffer.from('a\nb\n'));
    appendLog(path, 'stderr', Buffer.from('oops'));
    const { records } = readLog(path);
    assert.deepEqual(records.map((r) => [r.stream, r.log]), [['stdout', 'a\n'], ['stdout', 'b\n'], ['stderr', 'oops']]);
    assert.ok(records.every((r) => !Number.isNaN(Date.parse(r.time))));
  });
  it('reads on from an offset and skips a torn last line', () => {
    appendLog(path, 'stdout', Buffer.from('one\n'));
    const first = readLog(path);
    appendFileSync(path, '{"log":"half');
    const next = readLog(path, first.offset);
    assert.deepEqual(next.records, []);
    assert.equal(next.offset, first.offset);
  });
  it('a missing log reads as empty', () => {
    assert.deepEqual(readLog(join(dir, 'none')).records, []);
  });
  it('follows until done', async () => {
    appendLog(path, 'stdout', Buffer.from('x\n'));
    let calls = 0;
    const seen: string[] = [];
    for await (const r of followLog(path, () => ++calls > 1)) {
      seen.push(r.log);
      appendLog(path, 'stdout', Buffer.from('y\n'));
    }
    assert.deepEqual(seen.slice(0, 2), ['x\n', 'y\n']);
  });
});
