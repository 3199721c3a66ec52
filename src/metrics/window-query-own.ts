import type { HistogramSlot } from './histogram-slot.js';
import { RF, type RingView } from './window-query-ring.js';

// Which ring slot a stored rollup of this monitor's own (or one without an instance) stands for,
// so that a window build counts the slot once, from memory (window-query-build.ts).

/** What {@link take} reads of a window build's series entry: its ring and its match flags. */
export interface OwnRing {
  readonly slots: readonly HistogramSlot[];
  readonly open: HistogramSlot | undefined;
  /** Where its ring's match flags start in the shared flag array. */
  readonly ringAt: number;
  /** Its ring read through a `RingCache`: `slots` with the closed slots' numbers in columns. */
  readonly ring: RingView | undefined;
}

/**
 * Matches a rollup of `count` values summing to `sum` (least `min`, greatest `max`) that starts
 * at `start` to a closed slot of `e`'s ring not matched yet. By content, not start alone: a flush
 * at the instant a slot began closes a zero-length slot whose start is the next slot's, so two
 * rollups of one series and writer share a start, and by start the first took the other's ring
 * slot (one counted twice, the other lost once its own slot left the ring or the series was
 * removed and made again). This monitor's own rollup matches a slot of the same count, sum, min
 * and max (min and max too: the two may have one count and sum, and then their min, max and
 * percentiles were swapped); failing that, one whose sum, min and max are the same to 12 digits:
 * a store that prints doubles to 15 digits (PostgreSQL with `extra_float_digits` 0 or less) gives
 * them back rounded, and an exact test then counted every such rollup beside its ring slot. A
 * rollup without an instance (`byContent`) matches by start, count and sum exactly. True when one
 * was matched.
 */
export function take(e: OwnRing, matched: Uint8Array, start: number, count: number, sum: number, min: number, max: number, byContent: boolean): boolean {
  const ring = e.slots;
  const bit = byContent ? 2 : 1;
  const view = e.ring;
  /** The first slot that matches to 12 digits only, taken when none matches exactly. */
  let near = -1;
  if (view !== undefined && !byContent) {
    // The same test on the closed slots' columns (the open slot's count there is 0).
    const cols = view.cols;
    for (let i = 0; i < ring.length; i++) {
      const o = i * RF;
      if (cols[o] !== start || cols[o + 1] === 0 || cols[o + 1] !== count || (matched[e.ringAt + i]! & bit) !== 0) continue;
      if (cols[o + 2] === sum && cols[o + 3] === min && cols[o + 4] === max) {
        matched[e.ringAt + i]! |= bit;
        return true;
      }
      if (near < 0 && close(cols[o + 2]!, sum) && close(cols[o + 3]!, min) && close(cols[o + 4]!, max)) near = i;
    }
  } else {
    for (let i = 0; i < ring.length; i++) {
      const slot = ring[i]!;
      if (slot === e.open || slot.count === 0 || slot.start !== start || slot.count !== count || (matched[e.ringAt + i]! & bit) !== 0) continue;
      if (byContent) {
        if (slot.sum !== sum) continue;
        matched[e.ringAt + i]! |= bit;
        return true;
      }
      if (slot.sum === sum && slot.min === min && slot.max === max) {
        matched[e.ringAt + i]! |= bit;
        return true;
      }
      if (near < 0 && close(slot.sum, sum) && close(slot.min, min) && close(slot.max, max)) near = i;
    }
  }
  if (near < 0) return false;
  matched[e.ringAt + near]! |= bit;
  return true;
}

/** True when `a` and `b` are the same to 12 significant digits (or both NaN). */
function close(a: number, b: number): boolean {
  return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)) || (a !== a && b !== b);
}
