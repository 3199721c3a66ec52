import type { HistogramSlot } from './histogram-slot.js';
import type { Pairs } from './window-query-dist-memo.js';
import type { RingView } from './window-query-ring.js';

// The lists `rangeStats` (window-query-stats.ts) fills from index 0 at each call with a
// distribution, their lengths kept between calls: setting an array's length to 0 frees its
// backing store in V8, and the next call's pushes grew it again (a few arrays a rule and tick).
// Each call clears the references it wrote before it returns ({@link releaseScratch}); lists
// grown past STALE_MAX entries (one huge read) are let go.

/** The memory slots a call with a distribution adds last. */
export const held: HistogramSlot[] = [];
/** For each of `held`: the ring view and position it was read from when a closed slot of a cached ring (else undefined, -1). */
export const heldView: (RingView | undefined)[] = [];
export const heldAt: number[] = [];
/** Bucket counts of the decoded rollups a call with a distribution met, in pass order, then of the closed ring slots it holds. */
export const closedPairs: Pairs[] = [];
/** Longest lists kept between calls. */
const STALE_MAX = 4_096;

/**
 * Ends a call that wrote `nHeld` slots and `nPairs` pairs: the lists keep their size, not what
 * they point at (a closed monitor's slots and decoded counts, 26 MB after one 409-series p95
 * read, review R2, were held by stale entries); lists grown past STALE_MAX are let go.
 */
export function releaseScratch(nHeld: number, nPairs: number): void {
  if (held.length > STALE_MAX || closedPairs.length > STALE_MAX) {
    held.length = 0;
    heldView.length = 0;
    heldAt.length = 0;
    closedPairs.length = 0;
    return;
  }
  for (let i = 0; i < nHeld; i++) {
    held[i] = undefined!;
    heldView[i] = undefined;
  }
  for (let i = 0; i < nPairs; i++) closedPairs[i] = undefined!;
}
