// `berth`: the Docker-shaped runtime CLI. Wiring only: the process's argv, environment and streams go
// to the dispatcher; commands live in commands/ and the registry.
import { realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { registerBuiltins } from './commands';
import { dispatch } from './dispatch';
import { registry } from './registry';

registerBuiltins(registry);

// An error no handler expected (an 'error' event nobody listens to) ends berth with one line, as
// every other failure does; BERTH_DEBUG=1 shows the stack.
process.on('uncaughtException', (err) => {
  process.stderr.write(`berth: ${process.env.BERTH_DEBUG === '1' ? err.stack ?? err.message : err.message}\n`);
  process.exit(125);
});

/** The directory of the running executable (dist/bin, where the CNI plugins are built too). */
function executableDir(): string | undefined {
  const self = process.argv[1];
  if (self === undefined) return undefined;
  try {
    return dirname(realpathSync(self));
  } catch {
    return dirname(self);
  }
}

let lines: AsyncIterator<string> | undefined;
/** One line of stdin, read lazily so commands that never prompt never hold stdin open. */
async function readLine(): Promise<string | undefined> {
  lines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
  const next = await lines.next();
  return next.done ? undefined : next.value;
}

void dispatch(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  executableDir: executableDir(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readLine,
  stdin: () => process.stdin,
  stdout: () => process.stdout,
  stdoutIsTTY: process.stdout.isTTY === true,
  ...(process.stdout.columns === undefined ? {} : { columns: process.stdout.columns }),
}, registry).then(
  (code) => {
    process.exitCode = code;
    // A prompt's readline keeps stdin referenced; the command is done, so nothing more is read.
    if (lines) process.stdin.destroy();
  },
  (err: unknown) => {
    process.stderr.write(`berth: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 125;
  },
);
