/**
 * `berth <command> [<sub>] [flags] [args]`: resolves the command, parses its flags, prints help or runs
 * the handler, and turns every error into Docker's text and exit status. No `process` here: main.ts
 * hands in the environment and the streams, so tests drive the whole CLI with buffers.
 */
import { parseArgs } from './cli/args';
import { reportError } from './cli/errors';
import { EXIT_FAILURE } from './cli/exit-codes';
import { formatCommandHelp, twoColumns } from './cli/help';
import { type CliContextOptions, DEFAULTS, createCliContext } from './context';
import type { CommandRegistry, GroupDef } from './registry';
import { version as VERSION } from '../../package.json';

/** berth's version, from package.json. */
export const BERTH_VERSION: string = VERSION;

function topHelp(registry: CommandRegistry): string {
  const commands = registry.topLevel().map(({ name, def }): [string, string] => [name, def.spec.description]);
  commands.push(['version', 'Show the berth version information']);
  const groups = registry.listGroups().map((g): [string, string] => [g.name, g.description]);
  return [
    '',
    'Usage:  berth [OPTIONS] COMMAND',
    '',
    'Container networking and a small container runtime, with a Docker-shaped command line',
    '',
    'Commands:',
    twoColumns(commands.sort((a, b) => a[0].localeCompare(b[0]))),
    '',
    'Management Commands:',
    twoColumns(groups),
    '',
    'Environment:',
    twoColumns([
      ['BERTH_ROOT', `State directory (default "${DEFAULTS.root}")`],
      ['BERTH_RUN', `Runtime directory (default "${DEFAULTS.run}")`],
      ['BERTH_CNI_DIR', `CNI leases and result cache (default "${DEFAULTS.cniDir}")`],
      ['BERTH_CNI_PATH', `Colon list of plugin directories (default: berth's own, ${DEFAULTS.cniPath.join(', ')})`],
      ['BERTH_CGROUP_PARENT', `Parent cgroup of the containers (default "${DEFAULTS.cgroupParent}")`],
      ['BERTH_USERNS_IDMAP', 'Set to 0 to give user namespace containers a copy of the image with shifted owners, not an idmapped mount'],
      ['BERTH_CONFIG', 'Where `berth login` keeps credentials: config.json in this directory (default "~/.berth")'],
      ['BERTH_INSECURE_REGISTRIES', 'Registries (host[:port], comma-separated) reached over plain HTTP or unverified HTTPS, as --insecure-registry'],
      ['BERTH_CERTS_D', 'CAs trusted per registry: <dir>/<host:port>/*.crt (default "/etc/berth/certs.d")'],
      ['BERTH_RESOLV_CONF', 'The host resolv.conf containers inherit and berthd forwards to (default "/etc/resolv.conf")'],
      ['BERTH_DEBUG', 'Set to 1 to print stack traces of unexpected errors'],
    ]),
    '',
    'DNS: containers on a user network (bridge or overlay) resolve each other by name, --network-alias and',
    'short ID through a resolver on the network\'s gateway, served by berthd (started on demand); other names',
    'go to --dns or the host\'s resolvers. The default bridge keeps the host\'s resolvers (no names), as Docker.',
    '',
    "Run 'berth COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

function groupHelp(registry: CommandRegistry, group: GroupDef): string {
  const subs = registry.subcommands(group.name).map(({ name, def }): [string, string] => [name, def.spec.description]);
  return [
    '',
    `Usage:  berth ${group.name} COMMAND`,
    '',
    group.description,
    '',
    'Commands:',
    twoColumns(subs),
    '',
    `Run 'berth ${group.name} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}

/**
 * Runs one berth command line.
 * @param argv the words after `berth`.
 * @returns the exit status.
 */
export async function dispatch(argv: readonly string[], io: CliContextOptions, registry: CommandRegistry): Promise<number> {
  const out = io.out ?? (() => undefined);
  const err = io.err ?? (() => undefined);
  const debug = io.env.BERTH_DEBUG === '1';
  const [first] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const target = first === 'help' ? argv.slice(1) : [];
    if (target.length === 0) {
      out(topHelp(registry));
      return 0;
    }
    return dispatch([...target, '--help'], io, registry);
  }
  if (first === 'version' || first === '--version' || first === '-v') {
    out(`berth version ${BERTH_VERSION}\n`);
    return 0;
  }
  const found = registry.resolve(argv);
  if (found.kind === 'group') {
    out(groupHelp(registry, found.group));
    return 0;
  }
  if (found.kind === 'unknown') {
    const where = found.group === undefined ? '' : `${found.group.name} `;
    err(`berth: '${found.words}' is not a berth command.\nSee 'berth ${where}--help'\n`);
    return EXIT_FAILURE;
  }
  const { def, rest } = found;
  const failureExit = def.failureExit ?? EXIT_FAILURE;
  try {
    const parsed = parseArgs(def.spec, rest);
    if (parsed.help) {
      out(formatCommandHelp(def.spec));
      return 0;
    }
    const ctx = createCliContext({ ...io, out, err });
    return (await def.run(ctx, parsed)) ?? 0;
  } catch (e) {
    const report = reportError(e, def.spec.path, failureExit, debug);
    err(report.text);
    return report.exitCode;
  }
}

