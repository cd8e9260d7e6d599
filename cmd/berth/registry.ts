/**
 * The command table of the berth CLI. Each command registers its spec (path, usage, flags) and a
 * handler; management groups (`volume`, `network`, `image`, `container`) are registered by name so
 * `berth volume` alone prints the group's help, as Docker does.
 */
import type { CommandSpec, ParsedArgs } from './cli/args';
import type { CliContext } from './context';

/** One command: what the parser needs and what to run. */
export interface CommandDef {
  readonly spec: CommandSpec;
  /**
   * Exit status of an expected failure that carries none of its own (a VolumeError, ...): Docker's
   * CLI exits 125 from `run`/`create` (its run contract) and 1 from the other commands. Default 1.
   */
  readonly failureExit?: number;
  /** Left out of the help listings (internal commands); paths starting with "__" are hidden too. */
  readonly hidden?: boolean;
  /** Runs the command; the returned number is the exit status (default 0). */
  run(ctx: CliContext, args: ParsedArgs): Promise<number | void>;
}

/** A management command: a word that groups subcommands. */
export interface GroupDef {
  readonly name: string;
  readonly description: string;
}

/** How a command line resolved. */
export type Resolution =
  | { readonly kind: 'command'; readonly def: CommandDef; readonly rest: readonly string[] }
  | { readonly kind: 'group'; readonly group: GroupDef; readonly rest: readonly string[] }
  | { readonly kind: 'unknown'; readonly words: string; readonly group?: GroupDef };

/** Commands by every path and alias. */
export class CommandRegistry {
  private readonly commands = new Map<string, CommandDef>();
  private readonly groups = new Map<string, GroupDef>();

  /** Adds a management group (idempotent). */
  registerGroup(group: GroupDef): void {
    this.groups.set(group.name, group);
  }

  /**
   * Adds a command under its path and aliases.
   * @throws Error when a path is taken (two modules claiming one command is a programming error).
   */
  register(def: CommandDef): void {
    for (const path of [def.spec.path, ...(def.spec.aliases ?? [])]) {
      if (this.commands.has(path)) throw new Error(`berth command ${JSON.stringify(path)} registered twice`);
      this.commands.set(path, def);
    }
  }

  /** Finds the command named by the first words of `argv`: two-word paths first (`volume ls`). */
  resolve(argv: readonly string[]): Resolution {
    const [first = '', second] = argv;
    if (second !== undefined) {
      const def = this.commands.get(`${first} ${second}`);
      if (def) return { kind: 'command', def, rest: argv.slice(2) };
    }
    const def = this.commands.get(first);
    if (def) return { kind: 'command', def, rest: argv.slice(1) };
    const group = this.groups.get(first);
    if (group) {
      if (second === undefined || second.startsWith('-')) return { kind: 'group', group, rest: argv.slice(1) };
      return { kind: 'unknown', words: `${first} ${second}`, group };
    }
    return { kind: 'unknown', words: first };
  }

  /**
   * Commands directly under `berth` with their one-word names (aliases such as `images` included, as
   * Docker lists them), sorted, hidden ones left out.
   */
  topLevel(): { name: string; def: CommandDef }[] {
    return this.named((path) => !path.includes(' '), false);
  }

  /** The registered groups, sorted. */
  listGroups(): GroupDef[] {
    return [...this.groups.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The subcommands of `group` by their first name under it (`container ls` for `ps`), sorted. */
  subcommands(group: string): { name: string; def: CommandDef }[] {
    return this.named((path) => path.startsWith(`${group} `), true).map(({ name, def }) => ({ name: name.slice(group.length + 1), def }));
  }

  /** Paths passing `wanted`, one per command when `oncePerDef`, visible ones only, sorted by name. */
  private named(wanted: (path: string) => boolean, oncePerDef: boolean): { name: string; def: CommandDef }[] {
    const seen = new Set<CommandDef>();
    const out: { name: string; def: CommandDef }[] = [];
    for (const [path, def] of this.commands) {
      if (!wanted(path) || def.hidden === true || path.startsWith('__') || (oncePerDef && seen.has(def))) continue;
      seen.add(def);
      out.push({ name: path, def });
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** The registry `berth`'s main uses; command modules add themselves to it. */
export const registry = new CommandRegistry();

/** Adds a command to the main registry. */
export function registerCommand(def: CommandDef): void {
  registry.register(def);
}
