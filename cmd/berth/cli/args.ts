/**
 * A small Docker-style argv parser driven by a per-command flag table: `--flag value`, `--flag=value`,
 * `-d`, combined short booleans (`-dit`), a short flag's value glued or separate (`-eA=1`, `-e A=1`),
 * `--` ending the flags, and (for `run IMAGE [COMMAND...]`) parsing that stops at the first positional
 * so the container command keeps its own flags. Errors are pflag's texts, which Docker prints.
 */
import { UsageError } from './errors';

/** `bool` takes no value; `string` keeps the last value given; `list` keeps every value (repeatable). */
export type FlagKind = 'bool' | 'string' | 'list';

/** One flag of a command. */
export interface FlagSpec {
  /** Long name without dashes ("env"). The key of the parsed value. */
  readonly name: string;
  /** One-letter short name ("e"). */
  readonly short?: string;
  /** Other long names that set the same flag ("net" for "network"). */
  readonly aliases?: readonly string[];
  readonly kind: FlagKind;
  readonly help: string;
  /** The value's type word in `--help` ("bytes", "decimal", "filter"); default "string" / "list". */
  readonly valueType?: string;
  /** Shown as `(default "x")` in help; not applied by the parser. */
  readonly defaultText?: string;
}

/** A command as the parser and the help generator see it. */
export interface CommandSpec {
  /** The command path, as typed after `berth` ("volume ls"). */
  readonly path: string;
  /** The argument part of the Usage line ("[OPTIONS] VOLUME [VOLUME...]"). */
  readonly usage: string;
  readonly description: string;
  readonly flags: readonly FlagSpec[];
  /** Paragraphs printed after Options in `--help`: behaviour a flag's one line cannot say. */
  readonly notes?: readonly string[];
  /** Other paths of the same command ("volume list"), listed under Aliases in help. */
  readonly aliases?: readonly string[];
  /** Everything from the first positional on is positional (`run IMAGE [COMMAND] [ARG...]`). */
  readonly stopAtPositional?: boolean;
  /** Bounds on the number of positionals, checked with Docker's messages. */
  readonly minArgs?: number;
  readonly maxArgs?: number;
}

/** The result of {@link parseArgs}. */
export interface ParsedArgs {
  readonly positionals: readonly string[];
  /** `--help` (or `-h` where the command has no `-h` of its own) was given. */
  readonly help: boolean;
  /** The argv that was parsed, for commands that parse again with their own rules. */
  readonly argv: readonly string[];
  bool(name: string): boolean;
  string(name: string): string | undefined;
  list(name: string): readonly string[];
  /** Whether the flag was given at all. */
  has(name: string): boolean;
}

const BOOL_WORDS: ReadonlyMap<string, boolean> = new Map([
  ['1', true], ['t', true], ['T', true], ['true', true], ['TRUE', true], ['True', true],
  ['0', false], ['f', false], ['F', false], ['false', false], ['FALSE', false], ['False', false],
]);

/** pflag's flag label in errors: "-e, --env" when there is a short name, else "--env". */
export function flagLabel(spec: FlagSpec): string {
  return spec.short === undefined ? `--${spec.name}` : `-${spec.short}, --${spec.name}`;
}

/** pflag's error for a value a flag refuses: `invalid argument "x" for "-m, --memory" flag: why`. */
export function invalidArgument(command: string, spec: FlagSpec, value: string, why: string): UsageError {
  return new UsageError(`invalid argument ${JSON.stringify(value)} for ${JSON.stringify(flagLabel(spec))} flag: ${why}`, command);
}

/**
 * Parses `argv` (the words after the command path) against `spec`.
 * @throws UsageError with pflag's/cobra's text for unknown flags, missing values, bad booleans and a
 *   wrong number of positionals (not checked when help was asked for).
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const f of spec.flags) {
    for (const name of [f.name, ...(f.aliases ?? [])]) byLong.set(name, f);
    if (f.short !== undefined) byShort.set(f.short, f);
  }
  const values = new Map<string, string | boolean | string[]>();
  const positionals: string[] = [];
  let help = false;
  const set = (f: FlagSpec, value: string | boolean): void => {
    if (f.kind === 'list') {
      const list = (values.get(f.name) as string[] | undefined) ?? [];
      list.push(value as string);
      values.set(f.name, list);
    } else values.set(f.name, value);
  };
  const boolValue = (f: FlagSpec, text: string): boolean => {
    const v = BOOL_WORDS.get(text);
    if (v === undefined) throw invalidArgument(spec.path, f, text, `strconv.ParseBool: parsing ${JSON.stringify(text)}: invalid syntax`);
    return v;
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (spec.stopAtPositional) {
        positionals.push(...argv.slice(i));
        break;
      }
      positionals.push(arg);
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const inline = eq < 0 ? undefined : arg.slice(eq + 1);
      const f = byLong.get(name);
      if (f === undefined) {
        if (name === 'help') {
          help = true;
          continue;
        }
        throw new UsageError(`unknown flag: --${name}`, spec.path);
      }
      if (f.kind === 'bool') {
        set(f, inline === undefined ? true : boolValue(f, inline));
        continue;
      }
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`flag needs an argument: --${name}`, spec.path);
      set(f, value);
      continue;
    }
    // Short flags: booleans may be combined; the first flag that takes a value takes the rest of the
    // word (without a leading '=') or, when the word ends there, the next word.
    const shorts = arg.slice(1);
    for (let j = 0; j < shorts.length; j++) {
      const c = shorts[j]!;
      const f = byShort.get(c);
      if (f === undefined) {
        if (c === 'h') {
          help = true;
          continue;
        }
        throw new UsageError(`unknown shorthand flag: '${c}' in -${shorts}`, spec.path);
      }
      const rest = shorts.slice(j + 1);
      if (f.kind === 'bool') {
        if (rest.startsWith('=')) {
          set(f, boolValue(f, rest.slice(1)));
          break;
        }
        set(f, true);
        continue;
      }
      const value = rest !== '' ? rest.replace(/^=/, '') : argv[++i];
      if (value === undefined) throw new UsageError(`flag needs an argument: '${c}' in -${c}`, spec.path);
      set(f, value);
      break;
    }
  }
  if (!help) checkArgCount(spec, positionals.length);
  return {
    positionals,
    help,
    argv,
    bool: (name) => values.get(name) === true,
    string: (name) => {
      const v = values.get(name);
      return typeof v === 'string' ? v : undefined;
    },
    list: (name) => {
      const v = values.get(name);
      return Array.isArray(v) ? v : [];
    },
    has: (name) => values.has(name),
  };
}

/** cobra's positional-argument checks, with the Docker CLI's messages (cli/required.go). */
function checkArgCount(spec: CommandSpec, n: number): void {
  const { minArgs: min = 0, maxArgs: max = Infinity } = spec;
  if (n >= min && n <= max) return;
  const plural = (k: number): string => (k === 1 ? 'argument' : 'arguments');
  const quoted = `"berth ${spec.path}"`;
  let message: string;
  if (max === 0) message = `${quoted} accepts no arguments.`;
  else if (min === max) message = `${quoted} requires exactly ${min} ${plural(min)}.`;
  else if (max === Infinity) message = `${quoted} requires at least ${min} ${plural(min)}.`;
  else if (min === 0) message = `${quoted} requires at most ${max} ${plural(max)}.`;
  else message = `${quoted} requires at least ${min} and at most ${max} ${plural(max)}.`;
  throw new UsageError(message, spec.path, `Usage:  berth ${spec.path} ${spec.usage}\n\n${spec.description}`);
}
