import { createLogger, type Logger } from '../log';
import { markLoaded, phase } from '../util';
import { loadConfig } from './config';
import { parseCommand, readCniEnv, type CniEnv } from './env';
import { CniError, CniCode } from './errors';
import { isOwnNetns } from './netns-check';
import { processIO, type PluginIO } from './plugin-io';
import { convertResult } from './result-convert';
import { toCniError } from './to-cni-error';
import type { Attachment, NetConf, PluginFuncs } from './types';
import {
  ALL_SPEC_VERSIONS,
  assertSupportedVersion,
  assertVersionAllows,
  CURRENT_VERSION,
  newestVersion,
  versionReply,
  type CniCommand,
} from './version';

/** Who the plugin is: shown by the about banner, and the versions it accepts (default: all). */
export interface PluginInfo {
  name: string;
  version: string;
  supportedVersions?: readonly string[];
  /** CNI_IFNAME may name the netns's `lo` (the loopback plugin). */
  allowLoopbackIfName?: boolean;
}

/**
 * Runs one CNI invocation and returns the exit code; a plugin's main.ts is
 * `process.exitCode = await runPlugin({ add, del, check }, { name: 'bridge', version })`.
 *
 * Order: CNI_COMMAND (absent → about banner on stderr, exit 0; unknown → 4); the CNI_* table (4);
 * stdin (VERSION reads only its cniVersion); config decode and base validation (6/7); the config
 * version against the supported list (1) and against the verb's minimum (1); for ADD and DEL the
 * "CNI_NETNS is our own netns" check (8); then the verb. ADD's result is printed in the config's
 * version. Any failure is printed as `{cniVersion, code, msg, details}` on stdout with exit 1; stdout
 * carries nothing else, and stack traces go to the stderr log only.
 */
export async function runPlugin(funcs: PluginFuncs, info: PluginInfo, io: PluginIO = processIO()): Promise<number> {
  markLoaded();
  const supported = info.supportedVersions ?? ALL_SPEC_VERSIONS;
  // Errors are written in the config's version once we know it is one we speak, else in our newest.
  let replyVersion = newestVersion(supported) ?? CURRENT_VERSION;
  let log: Logger | undefined;
  const getLog = (bindings: Record<string, unknown>): Logger =>
    (log ??= io.log ? io.log.child(bindings) : createLogger(bindings, io.env as NodeJS.ProcessEnv));
  try {
    const rawCommand = io.env.CNI_COMMAND;
    if (rawCommand === undefined || rawCommand === '') {
      io.stderr(aboutText(info, supported));
      return 0;
    }
    const command = parseCommand(rawCommand);
    const env = readCniEnv(io.env, command, { allowLoopbackIfName: info.allowLoopbackIfName === true });
    if (command === 'VERSION') {
      // skel ignores stdin for VERSION; we read it only for the caller's cniVersion, so an unreadable
      // stdin is simply "not given".
      const stdin = await io.stdin().catch(() => Buffer.alloc(0));
      io.stdout(`${JSON.stringify(versionReply(peekCniVersion(stdin), supported))}\n`);
      return 0;
    }
    const stdin = await readStdin(io);
    // DEL and GC clean up: a value that only matters for creating things must not stop them.
    const config = phase('validation', () => loadConfig(stdin, undefined, { tolerant: command === 'DEL' || command === 'GC' }));
    assertSupportedVersion(config.cniVersion, supported);
    replyVersion = config.cniVersion;
    assertVersionAllows(command, config.cniVersion);
    const bindings =
      command === 'ADD' || command === 'DEL' || command === 'CHECK'
        ? { plugin: info.name, command, containerID: env.containerID, ifname: env.ifName }
        : { plugin: info.name, command };
    await callVerb(funcs, command, env, stdin, config, getLog(bindings), io);
    return 0;
  } catch (err) {
    const cniErr = toCniError(err);
    const errLog = getLog({ plugin: info.name, command: io.env.CNI_COMMAND });
    // 999 is a failure we did not name: keep its stack, on stderr only.
    if (cniErr.code === CniCode.Internal) errLog.error({ err }, cniErr.message);
    else errLog.debug({ err }, cniErr.message);
    io.stdout(prettyJson(cniErr.toJSONFor(replyVersion)));
    return 1;
  }
}

/** The banner printed when CNI_COMMAND is unset: skel's two lines. */
export function aboutText(info: PluginInfo, supported: readonly string[] = ALL_SPEC_VERSIONS): string {
  return `CNI ${info.name} plugin ${info.version}\nCNI protocol versions supported: ${supported.join(', ')}\n`;
}

async function callVerb(
  funcs: PluginFuncs,
  command: Exclude<CniCommand, 'VERSION'>,
  env: CniEnv,
  stdinData: Buffer,
  config: NetConf,
  log: Logger,
  io: PluginIO,
): Promise<void> {
  const common = { path: env.path, stdinData, config, env: io.env, log };
  switch (command) {
    case 'ADD':
    case 'DEL':
    case 'CHECK': {
      // The reference checks this after the verb has run, i.e. after it has already changed the host.
      if (command !== 'CHECK' && env.netns !== '' && !env.netnsOverride && isOwnNetns(env.netns)) {
        throw new CniError(CniCode.InvalidNetNS, "plugin's netns and netns from CNI_NETNS should not be the same", {
          details: `CNI_NETNS=${env.netns}; set CNI_NETNS_OVERRIDE=1 if this is intended`,
        });
      }
      const args = { ...common, command, containerID: env.containerID, netns: env.netns, ifName: env.ifName, args: env.args };
      if (command === 'ADD') {
        const result = await funcs.add({ ...args, command });
        if (typeof result !== 'object' || result === null) {
          throw new CniError(CniCode.Internal, 'ADD returned no result');
        }
        phase('result', () => io.stdout(prettyJson(convertResult(result, config.cniVersion))));
      } else if (command === 'DEL') {
        await funcs.del({ ...args, command });
      } else {
        await funcs.check({ ...args, command });
      }
      return;
    }
    case 'GC':
      // A missing gc or status succeeds as a no-op, as in skel.
      await funcs.gc?.({ ...common, command, validAttachments: validAttachments(config) });
      return;
    case 'STATUS':
      await funcs.status?.({ ...common, command });
      return;
  }
}

/**
 * The attachments a GC must keep: `cni.dev/valid-attachments`, or the spec-v1.1.0 tag's
 * `cni.dev/attachments` (libcni sends both). The base schema has checked their shape (code 7).
 */
function validAttachments(config: NetConf): Attachment[] | undefined {
  return (config['cni.dev/valid-attachments'] ?? config['cni.dev/attachments']) as Attachment[] | undefined;
}

async function readStdin(io: PluginIO): Promise<Buffer> {
  try {
    return await io.stdin();
  } catch (err) {
    throw new CniError(CniCode.IoFailure, 'error reading from stdin', { details: (err as Error).message, cause: err });
  }
}

/** VERSION needs only the caller's cniVersion; anything unreadable means "not given". */
function peekCniVersion(stdin: Buffer): unknown {
  try {
    return (JSON.parse(stdin.toString('utf8')) as { cniVersion?: unknown } | null)?.cniVersion;
  } catch {
    return undefined;
  }
}

/** libcni's layout (4-space indent), plus a newline so a shell prompt does not follow the brace. */
function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 4)}\n`;
}
