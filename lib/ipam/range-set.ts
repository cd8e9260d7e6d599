import { configError, show } from './errors';
import type { Family, IP } from '../ip';
import { canonicalizeRange, rangeContains, rangesOverlap, rangeToString, type Range } from './range';

/**
 * A pool of disjoint ranges of one family: ADD hands out one address per range set, so one IPv4 set
 * and one IPv6 set make a dual-stack attachment.
 */
export interface RangeSet {
  readonly family: Family;
  readonly ranges: readonly Range[];
  /** Where the set came from, for messages as a JSON pointer (`/ipam/ranges/1`, `/ipam/subnet`, `/runtimeConfig/ipRanges/0`). */
  readonly field: string;
}

/**
 * Validates a range set: a non-empty array of ranges, all of one family, none overlapping another.
 * Errors are code 7 and name the field.
 */
export function canonicalizeRangeSet(input: unknown, field: string): RangeSet {
  if (!Array.isArray(input)) throw configError(field, `must be an array of ranges, got ${show(input)}`);
  if (input.length === 0) throw configError(field, 'empty range set');
  const ranges = input.map((r, i) => canonicalizeRange(r, `${field}/${i}`));
  const family = ranges[0]!.family;
  if (ranges.some((r) => r.family !== family)) throw configError(field, 'mixed address families');
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      if (rangesOverlap(ranges[i]!, ranges[j]!)) {
        throw configError(field, `subnets ${rangeToString(ranges[i]!)} and ${rangeToString(ranges[j]!)} overlap`);
      }
    }
  }
  return { family, ranges, field };
}

/** The range holding `ip` (between its start and end), if any. */
export function rangeFor(set: RangeSet, ip: IP): Range | undefined {
  return set.ranges.find((r) => rangeContains(r, ip));
}

/** True when any range of the set holds `ip`. */
export function rangeSetContains(set: RangeSet, ip: IP): boolean {
  return rangeFor(set, ip) !== undefined;
}

/** True when a range of `a` shares an address with a range of `b`. */
export function rangeSetsOverlap(a: RangeSet, b: RangeSet): boolean {
  return a.ranges.some((r) => b.ranges.some((q) => rangesOverlap(r, q)));
}

/** The reference's text for a set: its ranges as `start-end`, comma-separated. */
export function rangeSetToString(set: RangeSet): string {
  return set.ranges.map(rangeToString).join(',');
}

/**
 * Checks a whole configuration's range sets against each other: no two may overlap (one address
 * would then belong to two sets and could be handed out twice to one attachment).
 */
export function checkDisjointSets(sets: readonly RangeSet[]): void {
  for (let i = 0; i < sets.length; i++) {
    for (let j = i + 1; j < sets.length; j++) {
      if (rangeSetsOverlap(sets[i]!, sets[j]!)) {
        throw configError(sets[j]!.field, `range set ${j} overlaps with range set ${i} (${sets[i]!.field})`);
      }
    }
  }
}
