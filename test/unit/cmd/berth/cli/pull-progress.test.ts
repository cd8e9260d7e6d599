import assert from 'node:assert/strict';
import { PullProgress, humanSize, progressText, shortId } from '../../../../../cmd/berth/cli/pull-progress';

const A = `sha256:${'a1'.repeat(32)}`;
const B = `sha256:${'b2'.repeat(32)}`;

function recorder(isTTY: boolean, extra: { columns?: number } = {}): { out: string[]; progress: PullProgress; clock: { t: number } } {
  const out: string[] = [];
  const clock = { t: 0 };
  return { out, clock, progress: new PullProgress({ write: (t) => out.push(t), isTTY, now: () => clock.t, ...extra }) };
}

describe('cmd/berth/cli/pull-progress', () => {
  it("sizes like go-units HumanSize (4 significant digits, decimal units)", () => {
    assert.deepEqual([0, 512, 1000, 1234, 1_234_567, 3_400_000, 999_960, 12_345_678_901].map(humanSize), ['0B', '512B', '1kB', '1.234kB', '1.235MB', '3.4MB', '1000kB', '12.35GB']);
  });

  it("draws Docker's bar: = per 2 %, the count right-aligned in 8 columns", () => {
    assert.equal(progressText(1_200_000, 3_400_000, true), `[=================>${' '.repeat(33)}]    1.2MB/3.4MB`);
    assert.equal(progressText(0, 100, true), `[>${' '.repeat(50)}]       0B/100B`);
    assert.equal(progressText(100, 100, true), `[${'='.repeat(50)}>]     100B/100B`);
    assert.equal(progressText(1_200_000, 3_400_000, false), '   1.2MB/3.4MB');
    assert.equal(progressText(500, 100, false), '    500B');
    assert.equal(progressText(0, 0, true), '');
  });

  it('names layers by 12 hex digits', () => {
    assert.equal(shortId(A), 'a1a1a1a1a1a1');
    assert.equal(shortId('b2'.repeat(32)), 'b2b2b2b2b2b2');
    assert.equal(shortId('latest'), 'latest');
  });

  it('on a terminal, adds a line per layer and redraws it in place with cursor-up', () => {
    const { out, progress } = recorder(true);
    progress.blob(A, 0, 3_400_000, 'waiting');
    progress.blob(B, 0, 100, 'exists');
    progress.blob(A, 1_200_000, 3_400_000, 'downloading');
    progress.message('Digest: sha256:x');
    progress.blob(A, 3_400_000, 3_400_000, 'complete');
    assert.deepEqual(out, [
      'a1a1a1a1a1a1: Pulling fs layer\n',
      'b2b2b2b2b2b2: Already exists\n',
      `\x1b[2A\x1b[2K\ra1a1a1a1a1a1: Downloading [=================>${' '.repeat(33)}]    1.2MB/3.4MB\x1b[2B\r`,
      'Digest: sha256:x\n',
      '\x1b[3A\x1b[2K\ra1a1a1a1a1a1: Download complete\x1b[3B\r',
    ]);
  });

  it('on a narrow terminal leaves the bar out, as Docker does under 111 columns', () => {
    const { out, progress } = recorder(true, { columns: 80 });
    progress.update({ id: A, phase: 'pushing', current: 1000, total: 2000 });
    assert.deepEqual(out, ['a1a1a1a1a1a1: Pushing      1kB/2kB\n']);
  });

  it('elsewhere, logs one line per change, no bar, no escapes, progress at most once a second per layer', () => {
    const { out, progress, clock } = recorder(false);
    progress.update({ id: A, phase: 'preparing' });
    progress.update({ id: A, phase: 'pushing', current: 100, total: 1000 });
    clock.t = 500;
    progress.update({ id: A, phase: 'pushing', current: 500, total: 1000 });
    progress.update({ id: B, phase: 'layer-exists' });
    progress.update({ id: B, phase: 'layer-exists' });
    clock.t = 1200;
    progress.update({ id: A, phase: 'pushing', current: 900, total: 1000 });
    progress.update({ id: A, phase: 'pushed' });
    assert.deepEqual(out, [
      'a1a1a1a1a1a1: Preparing\n',
      'a1a1a1a1a1a1: Pushing     100B/1kB\n',
      'b2b2b2b2b2b2: Layer already exists\n',
      'a1a1a1a1a1a1: Pushing     900B/1kB\n',
      'a1a1a1a1a1a1: Pushed\n',
    ]);
    assert.ok(out.every((l) => !l.includes('\x1b') && !l.includes('[=')));
  });
});
