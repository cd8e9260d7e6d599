/**
 * Sizes as `docker images` prints them: go-units `HumanSizeWithPrecision(size, 3)`, i.e. decimal
 * units ("kB" with a lowercase k) and Go's `%.3g`, whose quirks are kept on purpose so that columns
 * read exactly like Docker's ("4.27MB", "1.2GB", "0B", and "1e+03kB" for 999999 bytes).
 */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'] as const;

/** `bytes` in Docker's human form with `precision` significant digits (3: `docker images`; 4: go-units HumanSize, pull progress). */
export function formatSize(bytes: number, precision = 3): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${formatG(size, precision)}${UNITS[unit]}`;
}

/**
 * Go's `%.<precision>g`: the shortest of fixed or exponent notation by C's rule (exponent when it
 * is < -4 or >= precision, after rounding), trailing zeros removed, exponent with a sign and at
 * least two digits.
 */
export function formatG(value: number, precision: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  if (value === 0) return '0';
  const [mantissa, exp] = value.toExponential(precision - 1).split('e') as [string, string];
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= precision) {
    const digits = Math.abs(exponent).toString().padStart(2, '0');
    return `${trimZeros(mantissa)}e${exponent < 0 ? '-' : '+'}${digits}`;
  }
  return trimZeros(value.toFixed(Math.max(0, precision - 1 - exponent)));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
