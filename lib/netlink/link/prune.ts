/** Drops undefined members, so decoded objects print and compare (deepEqual) cleanly. */
export function prune<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
