/**
 * go-units' human-readable durations and sizes, which every Docker table uses (`Up 5 seconds`,
 * `4.27MB`, `1.5MiB`).
 */

/**
 * `units.HumanDuration`: "Less than a second", "1 second", "45 seconds", "About a minute",
 * "5 minutes", "About an hour", "3 hours", "2 days", "3 weeks", "4 months", "2 years".
 * Negative durations (clock skew) read as "Less than a second", as in Go.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  // Hours are rounded (Go: int(d.Hours() + 0.5)); the larger units derive from the rounded hours.
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** Go's `%.<p>g`: `p` significant digits, trailing zeros dropped. */
function goG(value: number, precision: number): string {
  const text = value.toPrecision(precision);
  if (/e/.test(text)) {
    // Go spells the exponent with at least two digits ("1e+03").
    const [mant, exp] = text.split('e') as [string, string];
    const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${m}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

function customSize(size: number, precision: number, base: number, units: readonly string[]): string {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return `${goG(size, precision)}${units[i]}`;
}

/** `units.HumanSizeWithPrecision`: decimal units ("4.27MB" at precision 4, "4.27MB" / "1.2kB" at 3). */
export function humanSize(bytes: number, precision = 4): string {
  return customSize(bytes, precision, 1000, DECIMAL);
}

/** `units.BytesSize`: binary units, 4 significant digits ("1.5MiB", "512KiB", "1023B"). */
export function bytesSize(bytes: number): string {
  return customSize(bytes, 4, 1024, BINARY);
}
