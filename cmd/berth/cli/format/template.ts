/**
 * A Go-template-lite for `--format`, enough for the Docker idioms people script with: `{{.Field}}`,
 * `{{json .}}`, `{{json .Field}}`, `{{.Field | json}}`, `\t` and `\n` escapes, the `table` prefix
 * (a header row from the fields' column titles, then tab-aligned rows) and the `json` / `table`
 * shortcuts of Docker 24+.
 */
import { CliError } from '../errors';
import { formatTabbedLines } from './table';

/** One row as a template sees it. */
export interface TemplateRow {
  /** Field values as Docker prints them in tables (`.ID`, `.Names`, `.Status`...). */
  readonly fields: Readonly<Record<string, string>>;
  /** What `{{json .}}` prints: Docker marshals the row's fields. Defaults to `fields`. */
  readonly json?: unknown;
  /** Structured values for `{{json .Field}}` (maps, lists); a field without one prints as a JSON string. */
  readonly raw?: Readonly<Record<string, unknown>>;
}

/** Parsed template pieces: literal text, or a field reference. */
type Piece = { readonly text: string } | { readonly field: string | '.'; readonly json: boolean };

const ACTION = /\{\{-?\s*(.*?)\s*-?\}\}/g;

function parseAction(body: string, template: string): Piece {
  let m = /^json\s+(\.[A-Za-z0-9_]*)$/.exec(body) ?? /^(\.[A-Za-z0-9_]*)\s*\|\s*json$/.exec(body);
  if (m) return { field: m[1] === '.' ? '.' : m[1]!.slice(1), json: true };
  m = /^\.([A-Za-z0-9_]+)$/.exec(body);
  if (m) return { field: m[1]!, json: false };
  if (body === '.') return { field: '.', json: false };
  throw new CliError(`template parsing error: template: ${template}: function or action not supported: {{${body}}}`);
}

function parse(template: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of template.matchAll(ACTION)) {
    if (m.index > last) pieces.push({ text: template.slice(last, m.index) });
    pieces.push(parseAction(m[1]!, template));
    last = m.index + m[0].length;
  }
  if (last < template.length) pieces.push({ text: template.slice(last) });
  return pieces;
}

function render(pieces: readonly Piece[], row: TemplateRow, fieldNames: readonly string[]): string {
  return pieces
    .map((p) => {
      if ('text' in p) return p.text;
      // `{{.}}` would print a Go struct; JSON is the readable equivalent.
      if (p.field === '.') return JSON.stringify(row.json ?? row.fields);
      if (!fieldNames.includes(p.field)) {
        throw new CliError(`template parsing error: template: :1: executing "" at <.${p.field}>: can't evaluate field ${p.field}`);
      }
      const value = row.fields[p.field] ?? '';
      if (!p.json) return value;
      return JSON.stringify(row.raw !== undefined && p.field in row.raw ? row.raw[p.field] : value);
    })
    .join('');
}

/**
 * Renders rows with a `--format` value (or the command's default table format when it is undefined
 * or "table").
 * @param headers column title of each field ({ID: "CONTAINER ID"}); every field a template may use.
 * @returns the output text, one line per row (plus the header line for table formats).
 * @throws CliError for unknown fields or unsupported template actions.
 */
export function renderFormat(
  format: string | undefined,
  defaultTable: string,
  rows: readonly TemplateRow[],
  headers: Readonly<Record<string, string>>,
): string {
  let template = format === undefined || format === '' || format === 'table' ? defaultTable : format;
  if (template === 'json') template = '{{json .}}';
  // The shell hands over `\t` as two characters; Go templates in Docker's docs mean a tab.
  template = template.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const table = /^table(\s|$)/.test(template);
  if (table) template = template.replace(/^table\s?/, '');
  const pieces = parse(template);
  const fieldNames = Object.keys(headers);
  const lines = rows.map((r) => render(pieces, r, fieldNames));
  if (!table) return lines.map((l) => `${l}\n`).join('');
  const header = pieces
    .map((p) => ('text' in p ? p.text : p.field === '.' ? '' : headers[p.field] ?? p.field.toUpperCase()))
    .join('');
  return formatTabbedLines([header, ...lines]);
}
