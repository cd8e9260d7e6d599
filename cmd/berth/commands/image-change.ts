/**
 * `berth image import --change 'INSTRUCTION'`: the Dockerfile instructions `docker import -c`
 * accepts that berth images keep (CMD, ENTRYPOINT, ENV, EXPOSE, WORKDIR), applied to a partial ImageConfig.
 */
import type { ImageConfig } from '../../../lib/runtime/image';
import { parsePortKey, portKey } from '../../../lib/runtime/network';
import { CliError } from '../cli/errors';

/** JSON form (`["sh","-c","x"]`) or shell form (`sh -c x` → `/bin/sh -c "sh -c x"`), as Dockerfiles. */
function argvOf(text: string, instruction: string): string[] {
  if (text.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
      throw new CliError(`invalid --change: ${instruction} ${text}: not a JSON array of strings`);
    }
    return parsed;
  }
  return ['/bin/sh', '-c', text];
}

/**
 * Applies each `--change` value to `config`.
 * @throws CliError naming the instruction ("Dockerfile parse error"-like, exit 125).
 */
export function applyChanges(changes: readonly string[], config: Partial<ImageConfig> = {}): Partial<ImageConfig> {
  const out: Partial<ImageConfig> = { ...config };
  for (const change of changes) {
    const m = /^\s*(\w+)\s+([\s\S]*?)\s*$/.exec(change);
    const instruction = m?.[1]?.toUpperCase();
    const rest = m?.[2] ?? '';
    switch (instruction) {
      case 'CMD':
        out.Cmd = argvOf(rest, instruction);
        break;
      case 'ENTRYPOINT':
        out.Entrypoint = argvOf(rest, instruction);
        break;
      case 'WORKDIR':
        if (!rest.startsWith('/')) throw new CliError(`invalid --change: WORKDIR ${rest}: must be an absolute path`);
        out.WorkingDir = rest;
        break;
      case 'ENV': {
        // `ENV K=V` or the legacy `ENV K V`.
        const eq = rest.indexOf('=');
        const space = rest.search(/\s/);
        const entry = eq > 0 && (space < 0 || eq < space) ? rest : space > 0 ? `${rest.slice(0, space)}=${rest.slice(space).trim()}` : '';
        if (entry === '') throw new CliError(`invalid --change: ENV ${rest}: want KEY=VALUE`);
        const key = entry.slice(0, entry.indexOf('='));
        out.Env = [...(out.Env ?? []).filter((e) => !e.startsWith(`${key}=`)), entry];
        break;
      }
      case 'EXPOSE': {
        // `EXPOSE 80 53/udp`: each word a port[/proto].
        const ports = { ...(out.ExposedPorts ?? {}) };
        for (const word of rest.split(/\s+/).filter((w) => w !== '')) {
          const port = parsePortKey(word);
          if (!port) throw new CliError(`invalid --change: EXPOSE ${rest}: ${JSON.stringify(word)} is not a port[/tcp|udp|sctp]`);
          ports[portKey(port.port, port.protocol)] = {};
        }
        if (Object.keys(ports).length === 0) throw new CliError('invalid --change: EXPOSE requires at least one argument');
        out.ExposedPorts = ports;
        break;
      }
      default:
        throw new CliError(`invalid --change: ${JSON.stringify(change)}: only CMD, ENTRYPOINT, ENV, EXPOSE and WORKDIR are supported`);
    }
  }
  return out;
}
