// The phase clock reads BERTH_PHASES once, at load: each case runs in its own Node process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const CLOCK = path.resolve(__dirname, '../../../../lib/util/phase-clock.ts');

/** Runs `body` with the clock imported as `c`, returns stdout and stderr. */
function run(body: string, env: Record<string, string>): { stdout: string; stderr: string; status: number | null } {
  const script = `const c = require(${JSON.stringify(CLOCK)});\n${body}`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

const BODY = `
c.markLoaded();
const busy = (ms) => { const end = process.hrtime.bigint() + BigInt(ms * 1e6); while (process.hrtime.bigint() < end); };
c.phase('ipam', () => busy(5));
c.phase('ipam', () => busy(5));
c.phase('netlink', () => new Promise((r) => setTimeout(r, 20))).then(() => {
  try { c.phase('firewall', () => { busy(2); throw new Error('boom'); }); } catch (e) { process.stdout.write(e.message); }
});
`;

describe('lib/util/phase-clock', () => {
  it('with BERTH_PHASES=1, prints each phase once at exit: sync, async and throwing spans summed', () => {
    const r = run(BODY, { BERTH_PHASES: '1' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'boom', 'a failure passes through');
    const line = r.stderr.split('\n').find((l) => l.startsWith('{"berthPhases"'));
    assert.ok(line, r.stderr);
    const p = JSON.parse(line).berthPhases as Record<string, number>;
    assert.ok(p.ipam! >= 9.9 && p.ipam! < 200, `ipam ${p.ipam}`);
    assert.ok(p.netlink! >= 19, `netlink ${p.netlink}`);
    assert.ok(p.firewall! >= 1.5, `firewall ${p.firewall}`);
    assert.ok(p.end! >= p.ipam! + p.netlink!, 'end is since the time origin');
    assert.equal(p.node, undefined, 'no loader ran: no node landmark');
  });

  it('is silent, and runs the spans unchanged, without BERTH_PHASES', () => {
    const r = run(BODY, { BERTH_PHASES: '' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'boom');
    assert.doesNotMatch(r.stderr, /berthPhases/);
  });
});
