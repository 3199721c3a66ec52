import { COUNT, END, F, isKept, START } from './window-query-columns.js';
import { RF, type RingView } from './window-query-ring.js';
import type { StatsScope } from './window-query-stats.js';
import type { WindowSeries } from './window-query-types.js';

// The count alone of some of a window's series over a range (a rule's errorRate reads the error
// series' count beside the group's stats), apart from the range stats loop it mirrors.

/**
 * The `count` that `rangeStats(scope, series.filter((s) => keep(s.labels)), from, to, false)`
 * gives: the same slots and parts, the same conditions, added in the same order; without the
 * filtered array, the sums, extremes and newest mean nobody reads.
 */
export function rangeCount(scope: StatsScope, series: readonly WindowSeries[], from: number, to: number, keep: (labels: Readonly<Record<string, string>>) => boolean): number {
  const end = to >= scope.now ? Infinity : to;
  const slotFrom = from - scope.scale.slotLength;
  let count = 0;
  for (let k = 0; k < series.length; k++) {
    const s = series[k]!;
    if (!keep(s.labels)) continue;
    const slots = s.slots;
    const view = isKept(s) ? undefined : (s as WindowSeries & { readonly ring?: RingView | undefined }).ring;
    for (let j = 0; j < slots.length; j++) {
      let c: number;
      let start: number;
      if (view !== undefined && j !== view.openAt) {
        // A closed slot of a cached ring: its numbers from the ring's block (range stats read them there).
        c = view.cols[j * RF + 1]!;
        start = view.cols[j * RF]!;
      } else {
        c = slots[j]!.count;
        start = slots[j]!.start;
      }
      if (c === 0 || start <= slotFrom || start >= end) continue;
      count += c;
    }
    if (isKept(s)) {
      const cols = s.cols;
      for (let i = 0; i < s.n; i++) {
        const o = i * F;
        const c = cols[o + COUNT]!;
        if (c === 0 || cols[o + END]! <= from || cols[o + START]! >= end) continue;
        count += c;
      }
      continue;
    }
    const parts = s.parts;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const c = p.count;
      if (c === 0 || p.end <= from || p.start >= end) continue;
      count += c;
    }
  }
  return count;
}
