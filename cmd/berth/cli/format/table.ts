/**
 * Docker's table layout: Go's text/tabwriter as the CLI configures it (`NewWriter(out, 10, 1, 3, ' ', 0)`):
 * every column but the last is padded to its widest cell plus 3 spaces, and to at least 10 characters,
 * left aligned. Widths count characters (runes), so "…" is one.
 */

const MIN_WIDTH = 10;
const PADDING = 3;

const width = (s: string): number => [...s].length;

/**
 * Lays out rows of cells (the header row included, already uppercase); `minWidth` is tabwriter's
 * (10 for lists, 20 for `top`). Rows may have different
 * lengths; as in tabwriter, a column is aligned over the consecutive rows that have it.
 * @returns the text, each line ending with a newline.
 */
export function formatTable(rows: readonly (readonly string[])[], minWidth = MIN_WIDTH): string {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths: number[] = [];
  for (let c = 0; c < columns - 1; c++) {
    const cells = rows.filter((r) => r.length > c + 1).map((r) => width(r[c]!));
    widths.push(Math.max(minWidth, Math.max(0, ...cells) + PADDING));
  }
  return rows
    .map((r) => r.map((cell, c) => (c < r.length - 1 ? cell + ' '.repeat(widths[c]! - width(cell)) : cell)).join(''))
    .map((line) => `${line}\n`)
    .join('');
}

/** Splits template output lines on tabs and lays them out as a table (what `table ...` formats do). */
export function formatTabbedLines(lines: readonly string[]): string {
  return formatTable(lines.map((l) => l.split('\t')));
}
