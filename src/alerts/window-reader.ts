import type { CapabilityContext } from '../capability.js';
import type { StorageError } from '../core/errors.js';
import { seriesKey } from '../core/labels.js';
import { WindowQuery, type MetricWindow, type RangeStats, type StoredSeries, type WindowSeries } from '../metrics/window-query.js';
import type { StoredRollupCache } from '../metrics/window-query-cache.js';
import type { KeptRollups } from '../metrics/window-query-kept.js';
import type { RingCache } from '../metrics/window-query-ring.js';
import { groupRollups } from '../metrics/window-query-series.js';
import { storeReads } from '../metrics/snapshot-store-reads.js';
import { lookbacksOf, type NormalizedCondition } from './rule-schema.js';
import { DistMemo } from '../metrics/window-query-dist-memo.js';
import { PostingsCache, SeriesPostings, type GroupShape } from './window-groups.js';
import { counterErrorRate, counterValue, gaugeValue, histogramValue, TickGroupStats, type GroupStats } from './window-values.js';

export type { ErrorMatcher, GroupStats } from './window-values.js';

/** A set of series that form one alert group, with the group's labels. */
export interface SeriesGroup {
  labels: Record<string, string>;
  series: WindowSeries[];
}

export type { RangeStats };

/** One metric's window for this tick; `failed` when the store could not be read (memory and waiting rollups only). */
interface TickWindow {
  window: MetricWindow;
  failed: StorageError | undefined;
  /** The stored series the window was merged from (merged again after a slot closes). */
  stored: readonly StoredSeries[];
  /** `ctx.slotStart` when the window was merged: another value means a slot closed since. */
  slotStart: number;
}

/**
 * Reads the data rules compare, for one evaluation tick, through the window query: this
 * process's memory, its waiting rollups and every instance's stored rollups. Each metric is read
 * from the store once per tick, by name and over the widest range any rule reads it (the rules
 * filter series in memory), and the window built from it serves every rule of the tick: its
 * series groups, their range totals and distributions are cached, and each `hdr` is decoded at
 * most once.
 *
 * Values: histograms from their slots; counters from the amounts added in the range (the window's
 * start, not the engine's first evaluation); gauges from their rollups (see {@link gaugeValue}).
 */
export class WindowReader {
  private readonly query: WindowQuery;
  /** Per metric name, the earliest range start any condition reads this tick. */
  private readonly widest = new Map<string, number>();
  private readonly windows = new Map<string, Promise<TickWindow>>();
  private readonly groups = new WeakMap<MetricWindow, Map<string, Map<string, SeriesGroup>>>();
  /** Postings of a window when no cache keeps them between ticks. */
  private readonly own = new WeakMap<MetricWindow, SeriesPostings>();
  /** Per group, the stats of the first range read this tick (most groups are read over one range: no key string, no map)... */
  private readonly ranges = new WeakMap<SeriesGroup, TickGroupStats>();
  /** ...and of any other range, by `from` and `to`. */
  private readonly moreRanges = new WeakMap<SeriesGroup, Map<string, TickGroupStats>>();
  /** The shape (kept between ticks by the postings cache) each group of this tick was made from. */
  private readonly shapes = new WeakMap<SeriesGroup, GroupShape>();
  private reported = false;

  constructor(
    private readonly cap: CapabilityContext,
    readonly now: number,
    /** Every condition evaluated this tick: their widest ranges decide what the store read covers. */
    conditions: Iterable<NormalizedCondition>,
    /** Stored rollups kept between ticks (absent: each tick reads the whole range). */
    private readonly cache?: StoredRollupCache,
    /** Stored series kept between ticks for stores with a change log (absent: `cache` serves them too). */
    private readonly kept?: KeptRollups,
    /** This process's histogram rings, their closed slots decoded once (absent: decoded at each read). */
    private readonly rings?: RingCache,
    /** Label postings and groups kept between ticks (absent: made per tick). */
    private readonly postings?: PostingsCache,
  ) {
    this.query = new WindowQuery({ registry: cap.metrics, ctx: cap.metricContext, storage: cap.storage });
    for (const c of conditions) {
      const from = now - Math.max(...lookbacksOf(c));
      // recordMetric lower-cases metricType names: a rule may reach one by either spelling.
      for (const name of new Set([c.metric, c.metric.toLowerCase()])) this.widest.set(name, Math.min(this.widest.get(name) ?? from, from));
    }
  }

  /** Start of the oldest slot this process still holds in memory. */
  get memoryFrom(): number {
    const m = this.cap.metricContext;
    return m.slotStart - (m.slotCount - 1) * m.slotLength;
  }

  /**
   * The window of metric `name` for this tick, covering at least [from, now). When the store
   * cannot be read, a range within memory is read from memory and waiting rollups (this
   * instance's data; the error is reported once a tick) and a longer one rejects with the
   * `StorageError`.
   */
  async window(name: string, from: number): Promise<MetricWindow> {
    let entry = this.windows.get(name);
    let tick = entry === undefined ? undefined : await entry;
    if (tick === undefined || tick.window.from > from) {
      entry = this.read(name, Math.min(from, this.widest.get(name) ?? from));
      this.windows.set(name, entry);
      tick = await entry;
    }
    if (tick.slotStart !== this.cap.metricContext.slotStart) {
      // A slot closed since the merge (during this tick, while another read awaited): the window
      // holds this process's slots as they were, the closed one now emptied as the open slot and
      // moved into the ring (or its rollup waiting). Merged again from the same stored series,
      // synchronously up to the rule's reads, so later rules of the tick read what a fresh read does.
      tick = this.merge(name, tick.window.from, tick.stored, tick.failed);
      this.windows.set(name, Promise.resolve(tick));
    }
    if (tick.failed !== undefined) {
      // Histograms keep a ring of slots in memory, gauges their current value; a counter only its
      // open slot: an increase over a longer range would read low (and resolve what holds).
      const memoryFrom = tick.window.kind === 'counter' ? this.cap.metricContext.slotStart : this.memoryFrom;
      if (from < memoryFrom) throw tick.failed;
      if (!this.reported) {
        this.reported = true;
        this.cap.report(tick.failed);
      }
    }
    return tick.window;
  }

  /** Series of `window` matching `matchers`, grouped by the values of `groupBy` (cached for the tick; positions kept between ticks, see window-groups.ts). */
  group(window: MetricWindow, matchers: Readonly<Record<string, string>>, groupBy: readonly string[]): Map<string, SeriesGroup> {
    let byWindow = this.groups.get(window);
    if (byWindow === undefined) this.groups.set(window, (byWindow = new Map()));
    const id = groupId(matchers, groupBy);
    const cached = byWindow.get(id);
    if (cached !== undefined) return cached;
    const postings = this.postingsOf(window);
    // Two windows of a name in one tick (a wider range read again) share the metric's postings.
    postings.sync(window.series);
    const out = new Map<string, SeriesGroup>();
    const series = window.series;
    for (const shape of postings.groups(series, matchers, groupBy, id)) {
      const members: WindowSeries[] = new Array(shape.at.length);
      for (let i = 0; i < shape.at.length; i++) members[i] = series[shape.at[i]!]!;
      const group: SeriesGroup = { labels: { ...shape.labels }, series: members };
      if (this.postings !== undefined) this.shapes.set(group, shape);
      out.set(shape.key, group);
    }
    byWindow.set(id, out);
    return out;
  }

  /** The label postings of `window`'s metric: kept between ticks with a cache, else this tick's own. */
  private postingsOf(window: MetricWindow): SeriesPostings {
    if (this.postings !== undefined) return this.postings.of(window.name);
    let own = this.own.get(window);
    if (own === undefined) this.own.set(window, (own = new SeriesPostings()));
    return own;
  }

  /** Totals (and with `withDist`, the distribution) of a group's histogram series over [from, to) (cached for the tick). */
  histogramStats(window: MetricWindow, group: SeriesGroup, from: number, to: number, withDist: boolean): GroupStats {
    const first = this.ranges.get(group);
    const isFirst = first === undefined || (first.from === from && first.to === to);
    const id = isFirst ? '' : `${from}\u0000${to}`;
    const cached = isFirst ? first : this.moreRanges.get(group)?.get(id);
    if (cached !== undefined && (cached.dist !== undefined || !withDist)) return cached;
    // Only `rate` reads the covered time: computed on first read, not for every histogram rule.
    const stats = new TickGroupStats(window, group.series, from, to);
    window.stats(group.series, from, to, withDist, withDist ? this.distMemo(group, from, to) : undefined, stats);
    if (isFirst) this.ranges.set(group, stats);
    else {
      let more = this.moreRanges.get(group);
      if (more === undefined) this.moreRanges.set(group, (more = new Map()));
      more.set(id, stats);
    }
    return stats;
  }

  /**
   * The memo of `group`'s closed bucket counts over [from, to) relative to now, kept between ticks
   * on the group's shape while the postings keep it (undefined without a postings cache: a
   * memo made for one read costs more than it saves). A memo checks what it is given (see
   * window-query-dist-memo.ts): one read for another set of series is still exact.
   */
  private distMemo(group: SeriesGroup, from: number, to: number): DistMemo | undefined {
    const shape = this.shapes.get(group);
    if (shape === undefined) return undefined;
    let ranges = distMemos.get(shape);
    if (ranges === undefined) distMemos.set(shape, (ranges = { now: this.now, memos: new Map(), last: undefined }));
    else if (ranges.now !== this.now) {
      // The shape's first read this tick: the ranges no rule read at its last tick are let go
      // (a deleted rule's, or a rule's former window while another rule keeps the grouping).
      for (const [id, kept] of ranges.memos) {
        if (kept.readAt === ranges.now) continue;
        ranges.memos.delete(id);
        if (ranges.last === kept) ranges.last = undefined;
      }
      ranges.now = this.now;
    }
    const sinceFrom = this.now - from;
    const sinceTo = this.now - to;
    // The range read last on this shape (most shapes have one): found without a key string.
    let kept = ranges.last !== undefined && ranges.last.sinceFrom === sinceFrom && ranges.last.sinceTo === sinceTo ? ranges.last : undefined;
    if (kept === undefined) {
      const id = `${sinceFrom}\u0000${sinceTo}`;
      kept = ranges.memos.get(id);
      if (kept === undefined) ranges.memos.set(id, (kept = { memo: new DistMemo(), readAt: this.now, sinceFrom, sinceTo }));
      ranges.last = kept;
    }
    kept.readAt = this.now;
    return kept.memo;
  }

  /** Totals of some histogram series over [from, to), uncached (for subsets such as errorRate's errors). */
  static seriesStats(window: MetricWindow, series: readonly WindowSeries[], from: number, to: number): RangeStats {
    return window.stats(series, from, to, false);
  }

  /** See window-values.ts: the rules' plain aggregations of a window's series. */
  static histogramValue = histogramValue;
  static counterValue = counterValue;
  static counterErrorRate = counterErrorRate;
  static gaugeValue = gaugeValue;

  private async read(name: string, from: number): Promise<TickWindow> {
    let stored: readonly StoredSeries[] = [];
    let failed: StorageError | undefined;
    const read = (since: number) => this.query.stored(name, undefined, since, this.now, this.now);
    try {
      const changes = this.query.changes(name);
      // The kept series copy what they keep of each rollup into their columns (and keep a new
      // series' labels, frozen in a MemoryStorage): the store's own rollups are read, not a copy
      // of each (10,000 rollups and label objects at every slot close of the fleet bench).
      const own = this.kept !== undefined && changes !== undefined ? storeReads(this.cap.storage, name) : undefined;
      if (own !== undefined && own.changes !== undefined) stored = await this.kept!.series({ name, from, now: this.now, read: own.read, changes: own.changes, waitingEnd: Infinity });
      else if (this.kept !== undefined && changes !== undefined) stored = await this.kept.series({ name, from, now: this.now, read, changes, waitingEnd: Infinity });
      else stored = this.cache === undefined ? groupRollups(await read(from)) : await this.cache.series({ name, from, now: this.now, read, changes, waitingEnd: this.waitingEnd(name) });
    } catch (error) {
      failed = error as StorageError;
    }
    return this.merge(name, from, stored, failed);
  }

  /** The window of `name` over [from, now) from `stored` and this process's memory as it is now. */
  private merge(name: string, from: number, stored: readonly StoredSeries[], failed: StorageError | undefined): TickWindow {
    const slotStart = this.cap.metricContext.slotStart;
    const window = this.query.merge({ name, from, to: this.now, now: this.now }, stored, this.now, this.rings);
    return { window, failed, stored, slotStart };
  }

  /** The earliest end of this process's rollups of `name` waiting in its recorder (Infinity: none). */
  private waitingEnd(name: string): number {
    let end = Infinity;
    for (const r of this.cap.metricContext.fleet.pendingRollups()) if (r.name === name && r.end < end) end = r.end;
    return end;
  }

  /** The metrics read this tick. */
  get names(): ReadonlySet<string> {
    return new Set(this.windows.keys());
  }
}

/** Per group shape and range (relative to the tick), its closed data's bucket counts: a shape lives while its postings keep it, a range while a rule read it at the shape's last tick. */
const distMemos = new WeakMap<GroupShape, { now: number; memos: Map<string, KeptMemo>; last: KeptMemo | undefined }>();

/** A range's memo on a shape: its range relative to the tick, and the last tick a rule read it. */
interface KeptMemo {
  readonly memo: DistMemo;
  readAt: number;
  readonly sinceFrom: number;
  readonly sinceTo: number;
}

/** Matchers and grouping of a condition as one key, computed once per (matchers, groupBy) pair of objects: a rule's are kept between ticks. */
const groupIds = new WeakMap<object, WeakMap<object, string>>();

function groupId(matchers: Readonly<Record<string, string>>, groupBy: readonly string[]): string {
  let byGroup = groupIds.get(matchers);
  if (byGroup === undefined) groupIds.set(matchers, (byGroup = new WeakMap()));
  let id = byGroup.get(groupBy);
  if (id === undefined) byGroup.set(groupBy, (id = `${seriesKey(matchers)}\u0000${JSON.stringify(groupBy)}`));
  return id;
}
