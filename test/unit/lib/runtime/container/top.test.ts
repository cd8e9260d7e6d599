import assert from 'node:assert/strict';
import { ContainerError, parsePsOutput } from '../../../../../lib/runtime/container';

const PS = `UID          PID    PPID  C STIME TTY          TIME CMD
root           1       0  0 09:00 ?        00:00:01 /sbin/init
root         100      50  0 09:01 ?        00:00:00 sleep 1000 with args
root         101     100  0 09:01 ?        00:00:00 sh -c echo hi
`;

describe('lib/runtime/container/top', () => {
  it('keeps the lines of the given pids, the command column taking the rest of the line', () => {
    const r = parsePsOutput(PS, new Set([100, 101]));
    assert.deepEqual(r.titles, ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD']);
    assert.deepEqual(r.processes, [
      ['root', '100', '50', '0', '09:01', '?', '00:00:00', 'sleep 1000 with args'],
      ['root', '101', '100', '0', '09:01', '?', '00:00:00', 'sh -c echo hi'],
    ]);
  });

  it('keeps thread lines ("-" as PID, ps -m) after a kept process only', () => {
    const r = parsePsOutput('  PID TTY      TIME CMD\n  100 ?    00:00:00 a\n    - -    00:00:00 -\n  200 ?    00:00:00 b\n    - -    00:00:00 -\n', new Set([100]));
    assert.deepEqual(r.processes, [['100', '?', '00:00:00', 'a'], ['-', '-', '00:00:00', '-']]);
  });

  it("refuses output without a PID column, or a PID that is no number, with Docker's texts", () => {
    assert.throws(() => parsePsOutput('USER COMMAND\nroot init\n', new Set()), (e: unknown) => e instanceof ContainerError && e.message === "Couldn't find PID field in ps output");
    assert.throws(() => parsePsOutput('PID CMD\nx init\n', new Set()), /Unexpected pid 'x'/);
  });
});
