/**
 * Docker's timestamps: Go's RFC3339Nano in UTC (`2018-05-02T07:27:48.1669918Z`: nanoseconds with
 * trailing zeros dropped).
 */

/**
 * `date` as RFC3339Nano. Date has milliseconds only; the digits below them come from the monotonic
 * clock, which is what Docker's look like (it records time.Now() with nanoseconds).
 */
export function rfc3339Nano(date: Date, subMillisecondNanos: number = Number(process.hrtime.bigint() % 1_000_000n)): string {
  const nanos = (date.getTime() % 1000) * 1_000_000 + (subMillisecondNanos % 1_000_000);
  const frac = String(nanos).padStart(9, '0').replace(/0+$/, '');
  return `${date.toISOString().slice(0, 19)}${frac === '' ? '' : `.${frac}`}Z`;
}
