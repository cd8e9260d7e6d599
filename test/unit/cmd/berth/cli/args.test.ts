import assert from 'node:assert/strict';
import { type CommandSpec, parseArgs } from '../../../../../cmd/berth/cli/args';
import { UsageError } from '../../../../../cmd/berth/cli/errors';
import { formatCommandHelp } from '../../../../../cmd/berth/cli/help';

const SPEC: CommandSpec = {
  path: 'run',
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  description: 'Create and run a new container from an image',
  stopAtPositional: true,
  minArgs: 1,
  flags: [
    { name: 'detach', short: 'd', kind: 'bool', help: 'Run in background' },
    { name: 'interactive', short: 'i', kind: 'bool', help: 'No-op' },
    { name: 'tty', short: 't', kind: 'bool', help: 'No-op' },
    { name: 'rm', kind: 'bool', help: 'Remove when done' },
    { name: 'name', kind: 'string', help: 'Name' },
    { name: 'env', short: 'e', kind: 'list', help: 'Env' },
    { name: 'network', aliases: ['net'], kind: 'string', defaultText: 'bridge', help: 'Network' },
    { name: 'memory', short: 'm', kind: 'string', valueType: 'bytes', help: 'Memory limit' },
  ],
};
const LS: CommandSpec = { path: 'volume ls', usage: '[OPTIONS]', description: 'List volumes', maxArgs: 0, flags: [{ name: 'quiet', short: 'q', kind: 'bool', help: 'Quiet' }] };

const usageError = (message: string, command = 'run') => (err: unknown): boolean => {
  assert.ok(err instanceof UsageError, String(err));
  assert.equal(err.message, message);
  assert.equal(err.command, command);
  assert.equal(err.exitCode, 125);
  return true;
};

describe('cmd/berth/cli/args', () => {
  it('reads --flag value, --flag=value, aliases and repeated lists', () => {
    const p = parseArgs(SPEC, ['--name', 'web', '--net=host', '-e', 'A=1', '--env=B=2', '-eC=3', 'busybox']);
    assert.equal(p.string('name'), 'web');
    assert.equal(p.string('network'), 'host');
    assert.deepEqual(p.list('env'), ['A=1', 'B=2', 'C=3']);
    assert.deepEqual(p.positionals, ['busybox']);
    assert.equal(p.has('memory'), false);
    assert.equal(p.string('memory'), undefined);
    assert.deepEqual(p.list('nothing'), []);
  });

  it('combines short booleans and ends a combination with a valued flag', () => {
    const p = parseArgs(SPEC, ['-dit', '-dm', '64m', 'img']);
    assert.equal(p.bool('detach'), true);
    assert.equal(p.bool('interactive'), true);
    assert.equal(p.bool('tty'), true);
    assert.equal(p.string('memory'), '64m');
    const glued = parseArgs(SPEC, ['-dm64m', 'img']);
    assert.equal(glued.string('memory'), '64m');
  });

  it('takes explicit booleans and refuses bad ones with pflag text', () => {
    assert.equal(parseArgs(SPEC, ['--rm=false', 'img']).bool('rm'), false);
    assert.equal(parseArgs(SPEC, ['-d=true', 'img']).bool('detach'), true);
    assert.throws(() => parseArgs(SPEC, ['--rm=maybe', 'img']), usageError('invalid argument "maybe" for "--rm" flag: strconv.ParseBool: parsing "maybe": invalid syntax'));
  });

  it('stops at the image: later flags belong to the container command', () => {
    const p = parseArgs(SPEC, ['-d', 'busybox', 'ls', '-l', '--name', 'x']);
    assert.deepEqual(p.positionals, ['busybox', 'ls', '-l', '--name', 'x']);
    assert.equal(p.string('name'), undefined);
  });

  it('ends flags at --', () => {
    const p = parseArgs(SPEC, ['--rm', '--', '-weird-image', '-x']);
    assert.deepEqual(p.positionals, ['-weird-image', '-x']);
    const ls = parseArgs({ ...LS, maxArgs: undefined }, ['--', '-q']);
    assert.equal(ls.bool('quiet'), false);
    assert.deepEqual(ls.positionals, ['-q']);
  });

  it('keeps parsing flags after positionals when the command does not stop', () => {
    const spec = { ...LS, maxArgs: 2 };
    const p = parseArgs(spec, ['a', '-q', 'b']);
    assert.deepEqual(p.positionals, ['a', 'b']);
    assert.equal(p.bool('quiet'), true);
  });

  it('refuses unknown flags with Docker\'s text', () => {
    assert.throws(() => parseArgs(SPEC, ['--foo', 'img']), usageError('unknown flag: --foo'));
    assert.throws(() => parseArgs(SPEC, ['-dx', 'img']), usageError("unknown shorthand flag: 'x' in -dx"));
    assert.throws(() => parseArgs(LS, ['--bar=1']), usageError('unknown flag: --bar', 'volume ls'));
  });

  it('refuses a valued flag without its value', () => {
    assert.throws(() => parseArgs(SPEC, ['--name']), usageError('flag needs an argument: --name'));
    assert.throws(() => parseArgs(SPEC, ['-e']), usageError("flag needs an argument: 'e' in -e"));
  });

  it('checks the number of positionals with the Docker CLI\'s messages', () => {
    assert.throws(() => parseArgs(SPEC, ['-d']), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.message, '"berth run" requires at least 1 argument.');
      assert.equal(err.usage, 'Usage:  berth run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nCreate and run a new container from an image');
      return true;
    });
    assert.throws(() => parseArgs(LS, ['x']), usageError('"berth volume ls" accepts no arguments.', 'volume ls'));
    assert.throws(() => parseArgs({ ...LS, minArgs: 1, maxArgs: 1 }, []), usageError('"berth volume ls" requires exactly 1 argument.', 'volume ls'));
    assert.throws(() => parseArgs({ ...LS, maxArgs: 2 }, ['a', 'b', 'c']), usageError('"berth volume ls" requires at most 2 arguments.', 'volume ls'));
    assert.throws(() => parseArgs({ ...LS, minArgs: 1, maxArgs: 2 }, []), usageError('"berth volume ls" requires at least 1 and at most 2 arguments.', 'volume ls'));
  });

  it('recognises --help (and -h where the command has no -h) without checking arguments', () => {
    assert.equal(parseArgs(SPEC, ['--help']).help, true);
    assert.equal(parseArgs(LS, ['-h']).help, true);
    assert.equal(parseArgs(LS, []).help, false);
    const withH = { ...SPEC, flags: [...SPEC.flags, { name: 'hostname', short: 'h', kind: 'string' as const, help: 'Host name' }] };
    const p = parseArgs(withH, ['-h', 'box', 'img']);
    assert.equal(p.help, false);
    assert.equal(p.string('hostname'), 'box');
  });

  it('generates help in Docker\'s layout', () => {
    assert.equal(
      formatCommandHelp({ ...LS, aliases: ['volume list'], flags: [...LS.flags, { name: 'format', kind: 'string', help: 'Format output' }, { name: 'filter', short: 'f', kind: 'list', valueType: 'filter', defaultText: 'x', help: 'Filter' }] }),
      [
        '',
        'Usage:  berth volume ls [OPTIONS]',
        '',
        'List volumes',
        '',
        'Aliases:',
        '  berth volume ls, berth volume list',
        '',
        'Options:',
        '  -q, --quiet           Quiet',
        '      --format string   Format output',
        '  -f, --filter filter   Filter (default "x")',
        '      --help            Print usage',
        '',
      ].join('\n'),
    );
    const run = formatCommandHelp(SPEC);
    assert.match(run, /^  -e, --env list {9}Env$/m);
    assert.match(run, /^ {6}--network string {3}Network \(default "bridge"\)$/m);
    assert.match(run, /^  -m, --memory bytes {5}Memory limit$/m);
  });
});
