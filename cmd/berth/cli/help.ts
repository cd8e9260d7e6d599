/**
 * `--help` text in the Docker CLI's layout: a blank line, `Usage:  berth <path> <usage>`, the
 * description, Aliases, then Options with the flags' short and long names aligned.
 */
import type { CommandSpec, FlagSpec } from './args';

/** One flag's left column: `-e, --env list` or `    --rm`. */
function flagColumn(f: FlagSpec): string {
  const names = f.short === undefined ? `    --${f.name}` : `-${f.short}, --${f.name}`;
  if (f.kind === 'bool') return names;
  return `${names} ${f.valueType ?? (f.kind === 'list' ? 'list' : 'string')}`;
}

/** Formats two aligned columns, three spaces apart, each line indented by two (cobra's layout). */
export function twoColumns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`.trimEnd()).join('\n');
}

/** The full help text of one command, ending with a newline. */
export function formatCommandHelp(spec: CommandSpec): string {
  const lines = ['', `Usage:  berth ${spec.path} ${spec.usage}`, '', spec.description, ''];
  if (spec.aliases && spec.aliases.length > 0) {
    lines.push('Aliases:', `  ${[spec.path, ...spec.aliases].map((a) => `berth ${a}`).join(', ')}`, '');
  }
  const rows = spec.flags.map((f): [string, string] => [
    flagColumn(f),
    f.defaultText === undefined ? f.help : `${f.help} (default ${JSON.stringify(f.defaultText)})`,
  ]);
  rows.push(['    --help', 'Print usage']);
  lines.push('Options:', twoColumns(rows));
  for (const note of spec.notes ?? []) lines.push('', note);
  return `${lines.join('\n')}\n`;
}
