import { Distribution } from './distribution.js';
import { OpenSlot, type HistogramSlot } from './histogram-slot.js';
import { SparseCounts } from './log-buckets.js';
import { mergeStarts, NO_PAIRS, type SlotCounts, type SlotScale } from './snapshot-merge.js';
import { WindowTally, type Fingerprint, type WindowScan } from './snapshot-tally.js';
import type { SnapshotWork } from './snapshot-work.js';
import type { MetricWindow, RangeStats, WindowPart } from './window-query-window.js';

export type { Fingerprint, SlotScale, WindowScan };

/**
 * Raw values a merged {@link Distribution} keeps before it falls back to bucket counts
 * (distribution.ts' `MAX_EXACT`). A window past it is reported from buckets whichever way it is
 * merged, so merging per-slot bucket counts gives the same figures; under it the snapshot merges
 * the window as the other readers do (exact percentiles). test/metrics/snapshot-slots.test.ts
 * checks both sides against `MetricWindow.stats`.
 */
const EXACT_LIMIT = 65_536;

/** Slot starts kept per cached window (a 5-minute window of 30 s slots holds 11). */
const MAX_STARTS = 1_024;

/** Windows (metric and label filter) whose slot counts are kept, the least recently used first out. */
const MAX_WINDOWS = 64;

/**
 * Sums a window over [from, now) in one pass: the range's totals (what `MetricWindow.stats` gives
 * without a distribution), each series' count and max (for `performance.slowest`) and each slot
 * start's totals (for trends, and to tell which slots changed since the last snapshot). A
 * snapshot keeps the {@link WindowTally} between calls instead (see snapshot-reader.ts).
 */
export async function scanWindow(h: MetricWindow, from: number, now: number): Promise<WindowScan> {
  return (await WindowTally.build(h, from, now)).scan(from, now);
}

/**
 * Merged bucket counts of each closed slot of the windows snapshots read, kept between
 * snapshots: a closed slot's data does not change (a late record becomes a rollup of its own,
 * another instance's rollup that arrives late changes the slot's fingerprint and the slot is
 * merged again), so a snapshot merges the series of the open slot and of slots that changed,
 * and adds a few hundred bucket counts per closed slot, instead of merging every series' every
 * slot. Bounded: {@link MAX_WINDOWS} windows, slots that left the range dropped at each read.
 */
export class SlotCountsCache {
  private readonly windows = new Map<string, Map<number, SlotCounts>>();
  /** Per window: the open start's counts as merged at the last call, and how many values of each open slot they hold. */
  private readonly open = new Map<string, OpenCounts>();

  /**
   * The totals and distribution of every series of `h` over [from, now) (as
   * `h.stats(h.series, from, now, true)` gives them), from the slots' kept counts. `key` names the
   * window (metric and label filter); `scan` is `scanWindow(h, from, now)`. `openSlots` (the
   * window's tally) names the memory slots that are all of a start's data, when they are: a
   * start that changed (the open slot's, at most calls) is then merged from those alone.
   */
  async wholeStats(
    h: MetricWindow,
    key: string,
    scan: WindowScan,
    scale: SlotScale,
    from: number,
    now: number,
    openSlots?: (start: number) => readonly HistogramSlot[] | undefined,
    work?: SnapshotWork,
  ): Promise<RangeStats> {
    let kept = this.windows.get(key);
    this.windows.delete(key);
    kept ??= new Map();
    this.windows.set(key, kept);
    if (this.windows.size > MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
    const open = scale.slotLength;
    const fresh = new Map<number, SlotCounts>();
    const stale: number[] = [];
    for (const [start, f] of scan.starts) {
      const have = kept.get(start);
      if (have !== undefined && sameFingerprint(have, f)) fresh.set(start, have);
      else stale.push(start);
    }
    if (stale.length > 0) {
      const lists = openSlots === undefined ? [] : stale.map(openSlots);
      // Only memory slots hold the changed starts: they are merged without a pass over the window.
      const only = lists.length > 0 && lists.every((l) => l !== undefined) ? lists.flat() : undefined;
      const grown = only !== undefined && stale.length === 1 ? await this.grow(key, stale[0]!, only, scale, from, now, h, work) : undefined;
      if (grown !== undefined) fresh.set(stale[0]!, grown);
      else {
        this.open.delete(key);
        for (const [start, counts] of await mergeStarts(h, new Set(stale), scale, from, now, only === undefined ? undefined : [{ slots: only, parts: NO_PARTS }], work)) fresh.set(start, counts);
      }
    }
    let exact = 0;
    let bucketed = false;
    for (const c of fresh.values()) {
      exact += c.exact;
      bucketed ||= c.bucketed;
    }
    // Only closed slots are kept: the open one changes with every record.
    kept.clear();
    for (const [start, c] of fresh) if (start + open <= now && kept.size < MAX_STARTS) kept.set(start, c);
    // Under the exact limit the other readers keep raw values: so does the snapshot. Sorting them
    // is charged (a unit per two values) so that the event loop turns between histograms too.
    if (!bucketed && exact <= EXACT_LIMIT) {
      const stats = h.stats(h.series, from, now, true);
      if (work !== undefined) await work.step(exact / 2);
      return stats;
    }
    const merged = new SparseCounts(scale.layout);
    for (const c of fresh.values()) for (let i = 0; i < c.pairs.length; i += 2) merged.add(c.pairs[i]!, c.pairs[i + 1]!);
    const dist = new Distribution(scale.layout, scale.resolution);
    dist.addCounts(merged, 0, scan.stats.min, scan.stats.max);
    dist.addTotals(0, 0, scan.stats.min, scan.stats.max);
    // As MetricWindow.stats: the totals are exact even where a part's counts were not decoded.
    dist.count = scan.stats.count;
    dist.sum = scan.stats.sum;
    return { ...scan.stats, dist };
  }

  /**
   * The counts of `start`, all of whose data are the open memory slots `slots` (in window order),
   * from those merged at the last call plus the values recorded since: open slots only grow
   * while their start stays, and each keeps its values in order while it is exact. Undefined
   * (merge them all) when the slots are not the last call's or one holds buckets only. The
   * slots are each call's copies (snapshot-capture.ts): they are the last call's when the window
   * is (kept while no slot of it closed), for the same start, and as many (a series that had
   * values at that start still has them; one more with values makes the list longer). Charged
   * to `work` (a unit a slot, and one per two values added): 5,000 open slots were one stretch.
   */
  private async grow(key: string, start: number, slots: readonly HistogramSlot[], scale: SlotScale, from: number, now: number, h: MetricWindow, work: SnapshotWork | undefined): Promise<SlotCounts | undefined> {
    let last = this.open.get(key);
    if (last !== undefined && (last.window !== h || last.start !== start || last.slots !== slots.length)) last = undefined;
    const seen = last?.seen ?? new Float64Array(slots.length);
    const counts = last?.counts ?? new SparseCounts(scale.layout);
    const f: SlotCounts = { count: 0, sum: 0, min: Infinity, max: -Infinity, n: 0, pairs: NO_PAIRS, exact: 0, bucketed: false };
    const scaleOf = 1 / scale.resolution;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i]!;
      if (!(slot instanceof OpenSlot) || !slot.exact || slot.count < seen[i]!) return undefined;
      if (!h.holds(slot, from, now)) continue;
      f.count += slot.count;
      f.sum += slot.sum;
      if (slot.min < f.min) f.min = slot.min;
      if (slot.max > f.max) f.max = slot.max;
      f.n++;
      f.exact += slot.count;
      const raw = slot.raw!;
      const added = slot.count - seen[i]!;
      for (let k = seen[i]!; k < slot.count; k++) counts.add(scale.layout.index(Math.floor(raw[k]! * scaleOf)), 1);
      seen[i] = slot.count;
      // Snapshots of a cache take turns: nothing else reads or changes `last` meanwhile.
      if (work?.charge(1 + added / 2) === true) await work.pause();
    }
    this.open.set(key, { window: h, start, slots: slots.length, seen, counts });
    if (this.open.size > MAX_WINDOWS) this.open.delete(this.open.keys().next().value!);
    const pairs: number[] = [];
    counts.forEach((index, count) => pairs.push(index, count));
    f.pairs = Float64Array.from(pairs);
    return f;
  }
}

/** An open start's merged counts kept from one snapshot to the next (see `SlotCountsCache.grow`). */
interface OpenCounts {
  /** The window they were merged from: a window built again (a slot closed) starts afresh. */
  window: MetricWindow;
  start: number;
  /** How many open slots had values at `start`. */
  slots: number;
  /** Values of each of those slots in `counts`. */
  seen: Float64Array;
  counts: SparseCounts;
}

function sameFingerprint(a: Fingerprint, b: Fingerprint): boolean {
  return a.count === b.count && a.sum === b.sum && a.min === b.min && a.max === b.max && a.n === b.n;
}

const NO_PARTS: readonly WindowPart[] = [];
