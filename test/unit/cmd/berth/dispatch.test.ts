import assert from 'node:assert/strict';
import { CliError } from '../../../../cmd/berth/cli/errors';
import { EXIT_BERTH_ERROR, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND } from '../../../../cmd/berth/cli/exit-codes';
import { BERTH_VERSION } from '../../../../cmd/berth/dispatch';
import { VolumeError } from '../../../../lib/runtime/storage/volume-store';
import { BerthHarness } from './harness';

describe('cmd/berth/dispatch', () => {
  let h: BerthHarness;
  beforeEach(() => {
    h = new BerthHarness();
    h.registry.register({
      spec: { path: 'boom', usage: '', description: 'Fails unexpectedly', flags: [] },
      run: async () => { throw new TypeError('cannot read x of undefined'); },
    });
    h.registry.register({
      spec: { path: 'trial', usage: '[OPTIONS] IMAGE', description: 'Trial', flags: [], minArgs: 1, stopAtPositional: true },
      failureExit: EXIT_BERTH_ERROR,
      run: async (_ctx, args) => {
        if (args.positionals[0] === 'fail') throw new CliError('no such image', { seeHelp: true });
        if (args.positionals[0] === 'volume') throw new VolumeError('get x: no such volume', 'not-found');
        return 3;
      },
    });
  });
  afterEach(() => h.cleanup());

  it('exports Docker\'s run exit codes', () => {
    assert.deepEqual([EXIT_BERTH_ERROR, EXIT_CANNOT_INVOKE, EXIT_NOT_FOUND], [125, 126, 127]);
  });

  it('prints the top-level help with no arguments, --help or help', async () => {
    for (const argv of [[], ['--help'], ['-h'], ['help']]) {
      const r = await h.berth(argv);
      assert.equal(r.code, 0);
      assert.match(r.out, /^\nUsage:  berth \[OPTIONS\] COMMAND\n/);
      assert.match(r.out, /Management Commands:\n {2}container {3}Manage containers\n {2}image {7}Manage images\n {2}network {5}Manage networks\n {2}volume {6}Manage volumes\n/);
      assert.match(r.out, /^ {2}images +List images$/m, 'aliases count as commands');
    }
    assert.match((await h.berth(['help', 'volume', 'ls'])).out, /Usage: {2}berth volume ls \[OPTIONS\]/);
  });

  it('prints a group\'s help for `berth volume` and its version', async () => {
    const r = await h.berth(['volume']);
    assert.equal(r.code, 0);
    assert.match(r.out, /Usage: {2}berth volume COMMAND\n\nManage volumes\n\nCommands:\n {2}create {4}Create a volume\n/);
    assert.deepEqual(await h.berth(['version']), { code: 0, out: `berth version ${BERTH_VERSION}\n`, err: '' });
  });

  it('refuses unknown commands as Docker does', async () => {
    assert.deepEqual(await h.berth(['frobnicate']), { code: 1, out: '', err: "berth: 'frobnicate' is not a berth command.\nSee 'berth --help'\n" });
    assert.deepEqual(await h.berth(['volume', 'frob']), { code: 1, out: '', err: "berth: 'volume frob' is not a berth command.\nSee 'berth volume --help'\n" });
  });

  it('passes a handler\'s exit status through and formats expected errors', async () => {
    assert.equal((await h.berth(['trial', 'ok'])).code, 3);
    assert.deepEqual(await h.berth(['trial', 'fail']), { code: 125, out: '', err: "berth: no such image\nSee 'berth trial --help'.\n" });
    assert.deepEqual(await h.berth(['trial', 'volume']), { code: 125, out: '', err: 'Error response from daemon: get x: no such volume\n' });
  });

  it('never prints a stack for an unexpected error unless BERTH_DEBUG=1', async () => {
    const quiet = await h.berth(['boom']);
    assert.deepEqual(quiet, { code: 1, out: '', err: 'berth: cannot read x of undefined\n(set BERTH_DEBUG=1 for the stack trace)\n' });
    const loud = await h.berth(['boom'], { env: { BERTH_DEBUG: '1' } });
    assert.match(loud.err, /^berth: cannot read x of undefined\nTypeError: cannot read x of undefined\n {4}at /);
  });

  it('reports a bad environment naming the variable, but still serves --help', async () => {
    assert.deepEqual(await h.berth(['volume', 'ls'], { env: { BERTH_ROOT: 'rel' } }), { code: 125, out: '', err: 'berth: invalid BERTH_ROOT: "rel" is not an absolute path\n' });
    assert.equal((await h.berth(['volume', 'ls', '--help'], { env: { BERTH_ROOT: 'rel' } })).code, 0);
  });
});
