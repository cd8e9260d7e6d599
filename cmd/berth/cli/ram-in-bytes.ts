/**
 * Docker's `units.RAMInBytes`: the size syntax of `-m`, `--memory-swap`, `--device-read-bps` and
 * `--shm-size`. Units are binary (k = 1024), case-insensitive, with an optional `i` and `b`
 * ("512m", "1g", "6MB", "1.5GiB", "1024"); a space may separate number and unit.
 */

const UNITS: ReadonlyMap<string, number> = new Map([
  ['', 1], ['k', 2 ** 10], ['m', 2 ** 20], ['g', 2 ** 30], ['t', 2 ** 40], ['p', 2 ** 50],
]);

/** Sizes as go-units' sizeRegex accepts them. */
const SIZE = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i;

/**
 * Parses a size into bytes, truncating fractions as go-units does (`int64(size * unit)`).
 * @throws Error `invalid size: 'x'` (go-units' text) when the text is not a size.
 */
export function ramInBytes(text: string): number {
  const match = SIZE.exec(text);
  const number = match ? Number(match[1]) : Number.NaN;
  if (!match || !Number.isFinite(number)) throw new Error(`invalid size: '${text}'`);
  return Math.trunc(number * UNITS.get((match[2] ?? '').toLowerCase())!);
}
