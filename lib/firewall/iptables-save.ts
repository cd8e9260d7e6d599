/**
 * Reading and writing the iptables-save / iptables-restore text format: the chains of one table and
 * their rules as argument lists, and rule lines quoted the way iptables-restore reads them back.
 */

/** One `-A <chain> ...` line of iptables-save. */
export interface SavedRule {
  readonly chain: string;
  /** The rule's arguments after `-A <chain>`, unquoted (`['-s', '10.0.0.2/32', '-j', 'X']`). */
  readonly args: readonly string[];
  /** The same arguments as saved, still quoted: `-D <chain> <spec>` deletes exactly this rule. */
  readonly spec: string;
}

/** One table of an iptables-save dump. */
export interface SavedTable {
  /** Every chain the table declares (built-in and user-defined), in order. */
  readonly chains: ReadonlySet<string>;
  readonly rules: readonly SavedRule[];
}

/**
 * Parses `iptables-save -t <table>` output. Only the named table is read; other tables, comments and
 * COMMIT lines are skipped.
 */
export function parseSave(text: string, table = 'nat'): SavedTable {
  const chains = new Set<string>();
  const rules: SavedRule[] = [];
  let inTable = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('*')) inTable = line.slice(1) === table;
    else if (!inTable || line === '' || line.startsWith('#')) continue;
    else if (line.startsWith(':')) chains.add(line.slice(1).split(/\s+/, 1)[0]!);
    else if (line.startsWith('-A ')) {
      const m = /^-A\s+(\S+)\s*(.*)$/.exec(line);
      if (m) rules.push({ chain: m[1]!, spec: m[2]!, args: splitArgs(m[2]!) });
    }
  }
  return { chains, rules };
}

/**
 * Splits a rule line as iptables-restore does: on blanks, except inside double quotes, where a
 * backslash escapes the next character (iptables-save escapes `"`, `\` and `'` that way).
 */
export function splitArgs(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '\\' && i + 1 < line.length) {
      cur += line[++i];
    } else if (c === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(c)) {
      if (started) out.push(cur);
      cur = '';
      started = false;
    } else {
      cur += c;
      started = true;
    }
  }
  if (started) out.push(cur);
  return out;
}

/** Quotes one argument for iptables-restore, as iptables-save would write it. */
export function quoteArg(arg: string): string {
  if (/^[A-Za-z0-9_\-./:!]+$/.test(arg)) return arg;
  return `"${arg.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/** `-A <chain> <args>` (or another verb) as an iptables-restore line. */
export function ruleLine(verb: '-A' | '-D' | '-I', chain: string, args: readonly string[], index?: number): string {
  return [verb, chain, ...(index === undefined ? [] : [String(index)]), ...args.map(quoteArg)].join(' ');
}

/** The value following `flag` in a rule's arguments (`-j`, `--comment`, ...). */
export function argAfter(args: readonly string[], ...flags: string[]): string | undefined {
  for (let i = 0; i < args.length - 1; i++) if (flags.includes(args[i]!)) return args[i + 1];
  return undefined;
}

/** True when both rules have the same arguments (compared unquoted, so quoting style is irrelevant). */
export function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
