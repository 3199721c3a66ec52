/**
 * What `Timeline.mark` makes of the values it is handed: the index of a phase, the time of an
 * `at` that is no number, how a refused value is quoted in an error, and an entry's first marked
 * time and span.
 */

/**
 * Index of `phase` in `phases`, or -1. A scan, not a Map: at most 20 phases, and a phase literal
 * is the same interned string as the option's.
 */
export function phaseIndex(phases: readonly string[], phase: unknown): number {
  if (typeof phase !== 'string') return -1;
  for (let i = 0; i < phases.length; i++) if (phases[i] === phase) return i;
  return -1;
}

/** Characters of a refused id or phase quoted in an error: a megabyte id must not make a megabyte message. */
const QUOTED = 40;

/** A refused id or phase for an error message, at most QUOTED characters of it. */
export function quote(value: unknown): string {
  if (typeof value !== 'string') return describe(value);
  const text = JSON.stringify(value.length > QUOTED ? value.slice(0, QUOTED) : value);
  return value.length > QUOTED ? `${text}… (${value.length} characters)` : text;
}

/** What a refused value is, for an error message: never the value's own text. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') {
    // Only a real Date passes getTime (which runs no code of the value's own, unlike instanceof).
    try {
      Date.prototype.getTime.call(value);
      return 'an invalid Date';
    } catch {
      // No Date: described by its type.
    }
  }
  return `a value of type ${typeof value}`;
}

/**
 * The time (ms) of an `at` that is no number: a Date's, else NaN (refused as no time). Apart from
 * mark's number path, and never throwing: `instanceof` and `getTime` run a caller's code on a
 * hostile object (a Proxy's getPrototypeOf trap, a Date.prototype object that is no Date), and
 * mark throws nothing outside strict mode.
 */
export function timeOf(at: unknown): number {
  try {
    return typeof at === 'object' && at !== null ? Date.prototype.getTime.call(at) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The time of the first (earliest: times are in phase order) marked phase of `width` times at `base`; NaN when none is. */
export function firstMarked(times: ArrayLike<number>, base: number, width: number): number {
  for (let i = 0; i < width; i++) if (!Number.isNaN(times[base + i]!)) return times[base + i]!;
  return Number.NaN;
}

/**
 * The span (ms) of the phases an entry has, its first marked phase to its last, from `width`
 * times at `base` (NaN where not marked); 0 when it has one: the latency of an entry whose last
 * phase came without its first.
 */
export function spanOf(times: ArrayLike<number>, base: number, width: number): number {
  let first = Number.NaN;
  let last = Number.NaN;
  for (let i = 0; i < width; i++) {
    const t = times[base + i]!;
    if (Number.isNaN(t)) continue;
    if (Number.isNaN(first)) first = t;
    last = t;
  }
  return Number.isNaN(first) ? 0 : last - first;
}
