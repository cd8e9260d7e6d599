// `berth stats` with real containers: streaming redraws frames (clear screen, home) until SIGINT and
// picks up a container started meanwhile; --no-stream prints one sample; BLOCK I/O shows the v1
// blkio (or v2 io) bytes of direct reads and writes.
import assert from 'node:assert/strict';
import { useBerth, waitFor } from '../../../helpers/berth';

const CLEAR = '\x1b[2J\x1b[H';

/** "8.39MB" (Docker's decimal units) in bytes. */
function bytes(text: string): number {
  const m = /^([\d.]+)(B|kB|MB|GB|TB)$/.exec(text.trim());
  assert.ok(m, `not a size: ${text}`);
  return Number(m[1]) * 1000 ** ['B', 'kB', 'MB', 'GB', 'TB'].indexOf(m[2]!);
}

describe('berth CLI: stats', function () {
  this.timeout(60_000);
  const b = useBerth();

  it('--no-stream prints one sample; BLOCK I/O counts direct writes and reads of the container', async () => {
    await b.ok(['run', '-d', '--name', 'st-io', 'busybox', 'sh', '-c',
      'dd if=/dev/zero of=/f bs=1M count=8 oflag=direct && dd if=/f of=/dev/null bs=1M iflag=direct && touch /done; sleep 1000']);
    assert.ok(await waitFor(async () => (await b.berth(['exec', 'st-io', 'test', '-e', '/done'])).code === 0, 30_000));
    const out = await b.ok(['stats', '--no-stream']);
    assert.ok(!out.includes('\x1b'), 'no screen control in a single sample');
    const lines = out.split('\n');
    assert.equal(lines.length, 2, out);
    assert.match(lines[0]!, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
    assert.match(lines[1]!, /\bst-io\b/);
    const [read, written] = (await b.ok(['stats', '--no-stream', '--format', '{{.BlockIO}}', 'st-io'])).split(' / ');
    assert.ok(bytes(written!) >= 8 * 1024 * 1024, `written ${written}`);
    assert.ok(bytes(read!) >= 8 * 1024 * 1024, `read ${read}`);
  });

  it('streams frames until SIGINT, and a container started meanwhile appears in a later frame', async () => {
    await b.ok(['run', '-d', '--name', 'st-a', 'busybox', 'sleep', '1000']);
    const child = b.spawn(['stats', '--format', '{{.Name}}']);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    try {
      const frames = () => out.split(CLEAR).slice(1);
      assert.ok(await waitFor(() => frames().length >= 2, 30_000), `frames: ${JSON.stringify(out)}`);
      assert.deepEqual(frames()[0]!.trim().split('\n'), ['st-a']);
      await b.ok(['run', '-d', '--name', 'st-b', 'busybox', 'sleep', '1000']);
      assert.ok(await waitFor(() => frames().some((f) => f.includes('st-b')), 30_000), 'the new container never showed');
      assert.deepEqual(frames().at(-1)!.trim().split('\n').sort(), ['st-a', 'st-b']);
    } finally {
      child.kill('SIGINT');
    }
    const end = await ended;
    assert.ok(end.signal === 'SIGINT' || end.code === 130, `stats did not end on SIGINT: ${JSON.stringify(end)}`);
  });
});
