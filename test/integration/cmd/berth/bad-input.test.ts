// Bad input to `berth run`: Docker's messages and exit code 125, no stack trace, and nothing left
// behind (no container record, cgroup, netns, lease or mount).
import assert from 'node:assert/strict';
import { useBerth } from '../../../helpers/berth';

describe('berth CLI: bad input', function () {
  this.timeout(60_000);
  const b = useBerth();

  const cases: [string, string[], RegExp][] = [
    ['-m 1m', ['-m', '1m'], /Minimum memory limit allowed is 6MB/],
    ['--network nope', ['--network', 'nope'], /network nope not found/],
    ['--cpus -1', ['--cpus', '-1'], /--cpus: -1: the number of CPUs must be greater than 0/],
    ['--pids-limit abc', ['--pids-limit', 'abc'], /invalid argument "abc" for "--pids-limit" flag/],
    ['-w relative', ['-w', 'relative'], /the working directory 'relative' is invalid, it needs to be an absolute path/],
    ['--name ../x', ['--name', '../x'], /Invalid container name \(\.\.\/x\)/],
  ];
  for (const [what, flags, message] of cases) {
    it(`${what}: exit 125, a message naming it, nothing left`, async () => {
      const r = await b.berth(['run', '--rm', ...flags, 'busybox', 'true']);
      assert.equal(r.code, 125, `${r.stdout}${r.stderr}`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(await b.ok(['ps', '-aq']), '');
      assert.deepEqual(b.residueExcept([]), {});
    });
  }

  it('unknown image: "No such image", exit 125, nothing left', async () => {
    const r = await b.berth(['run', '--rm', 'nosuchimage', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /No such image: nosuchimage/);
    assert.equal(await b.ok(['ps', '-aq']), '');
    assert.deepEqual(b.residueExcept([]), {});
  });

  it('a missing command keeps the created container, as Docker does, and nothing else', async () => {
    const r = await b.berth(['run', '--name', 'nocmd', 'busybox', 'nosuchcmd']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /executable file not found/);
    assert.match(await b.ok(['ps', '-a', '--format', '{{.Names}}|{{.Status}}']), /^nocmd\|Created$/m);
    const id = (await b.inspect('nocmd')).Id as string;
    assert.deepEqual(b.residueExcept([]), { containers: [id] });
  });
});
