import { seriesKey } from '../core/labels.js';
import type { Rollup, RollupChanges } from '../storage/contract.js';
import type { HistogramSlot } from './histogram-slot.js';
import type { CacheRead, ReadChanges } from './window-query-cache.js';
import { groupRollups, hashLabels, LabelTable, partOf, sameContent, type SeriesShape, type StoredSeries } from './window-query-series.js';
import type { WindowPart, WindowSeries } from './window-query-window.js';

/** How a {@link KeptRollups} bounds what it keeps. */
export interface KeptRollupsOptions {
  /** Longest time between two full reads of a metric's range. */
  refreshEvery: number;
  /** Most metrics kept (the least recently read go first). */
  maxMetrics: number;
  /** Most series kept per metric: past it the metric is not kept (each read is a full one) and `dropped` counts it. */
  maxSeries: number;
}

/**
 * One series of a kept metric, kept from tick to tick with a stable identity: found once per
 * change-log rollup by its label hash and updated in place. It is a {@link StoredSeries} (what
 * `buildWindow` merges) and a {@link WindowSeries} (what a window holds): a series nothing of this
 * process touches enters the window as this object, not a copy.
 */
export interface KeptSeries extends StoredSeries, WindowSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly hash: number;
  key: string;
  /** Its stored parts, sorted by start, each (start, instance) once; a new array when a tick changes them (a window read earlier keeps the old one). */
  parts: readonly WindowPart[];
  shape: SeriesShape | undefined;
  readonly current: undefined;
  readonly slots: readonly HistogramSlot[];
  /** The tick that last copied `parts` (copy on first write per tick). */
  copiedAt: number;
}

interface KeptMetric {
  from: number;
  readAt: number;
  fullAt: number;
  cursor: string | undefined;
  table: LabelTable<KeptSeries>;
}

const NO_SLOTS: readonly HistogramSlot[] = Object.freeze([]);

/**
 * Every instance's stored rollups of the metrics the rule engine reads, kept between ticks as one
 * {@link KeptSeries} per series, for stores with a change log (`readRollupChanges`): a tick reads
 * the rollups written since the last one and writes each into its series in place (a rollup of
 * the same (start, instance) replaces the kept one; one without an instance replaces the kept
 * parts of the same content), then drops what ended at or before the range start. Unlike
 * `StoredRollupCache` (which builds new series objects and arrays for everything the log names
 * and groups the log's rollups first), nothing is rebuilt per tick: one label lookup per rollup.
 * Every `refreshEvery`, when the log cannot say (`complete` false, or it fails) or the range
 * grows, the metric is read whole. Bounded: `maxMetrics` metrics, `maxSeries` series a metric.
 */
export class KeptRollups {
  private readonly metrics = new Map<string, KeptMetric>();
  private tick = 0;
  /** Full reads of a metric with more than `maxSeries` series, not kept. */
  dropped = 0;

  constructor(private readonly options: KeptRollupsOptions) {}

  /**
   * The stored series of the metric over [from, now), kept and refreshed by the store's change
   * log (`req.changes`, required). Rejects with the range read's error (and forgets the metric).
   */
  async series(req: CacheRead & { changes: ReadChanges }): Promise<readonly KeptSeries[]> {
    const { name, from, now } = req;
    const tick = ++this.tick;
    const kept = this.metrics.get(name);
    this.metrics.delete(name);
    try {
      let cursor: string | undefined;
      if (kept !== undefined && from >= kept.from && now >= kept.readAt && now - kept.fullAt < this.options.refreshEvery) {
        const c = await changesOf(req.changes, kept.cursor);
        if (c?.complete === true) {
          apply(kept.table, c.rollups, tick);
          prune(kept, from, tick);
          kept.from = from;
          kept.readAt = now;
          kept.cursor = c.cursor;
          this.keep(name, kept);
          return kept.table.values;
        }
        cursor = c?.cursor;
      }
      // The cursor is taken before the range is read: a write between the two is read twice
      // (and kept once), never missed.
      cursor ??= (await changesOf(req.changes, undefined))?.cursor;
      const table = new LabelTable<KeptSeries>();
      for (const st of groupRollups(await req.read(from))) table.add(record(st.labels, st.hash, st.parts as WindowPart[], tick), st.hash);
      if (table.values.length > this.options.maxSeries) {
        this.dropped++;
        return table.values;
      }
      this.keep(name, { from, readAt: now, fullAt: now, cursor, table });
      return table.values;
    } catch (error) {
      this.metrics.delete(name);
      throw error;
    }
  }

  /** Forgets the metrics not in `names` (those no rule read this tick). */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.metrics.keys()) if (!names.has(name)) this.metrics.delete(name);
  }

  /** Forgets every metric (the next reads are full ones). */
  clear(): void {
    this.metrics.clear();
  }

  /** Series kept over every metric. */
  get size(): number {
    let n = 0;
    for (const m of this.metrics.values()) n += m.table.values.length;
    return n;
  }

  private keep(name: string, kept: KeptMetric): void {
    this.metrics.set(name, kept);
    if (this.metrics.size > this.options.maxMetrics) this.metrics.delete(this.metrics.keys().next().value!);
  }
}

function record(labels: Readonly<Record<string, string>>, hash: number, parts: WindowPart[], tick: number): KeptSeries {
  return { labels, hash, key: seriesKey(labels), parts, shape: undefined, current: undefined, slots: NO_SLOTS, copiedAt: tick };
}

/** A change log's answer; undefined when it failed (the caller reads the range instead). */
async function changesOf(changes: ReadChanges, cursor: string | undefined): Promise<RollupChanges | undefined> {
  try {
    return await changes(cursor);
  } catch {
    return undefined;
  }
}

/**
 * Writes the log's rollups (in write order) into their series: the part of the same start and
 * instance is replaced (a later write replaces an earlier one), a part without an instance
 * replaces every kept part of the same content; the new part goes after the parts of its start
 * or earlier, so parts stay sorted by start in the order `StoredRollupCache` keeps them.
 */
function apply(table: LabelTable<KeptSeries>, rollups: readonly Rollup[], tick: number): void {
  for (const r of rollups) {
    const hash = hashLabels(r.labels);
    const p = partOf(r);
    let st = table.find(r.labels, hash);
    if (st === undefined) {
      table.add(record(r.labels, hash, [p], tick), hash);
      continue;
    }
    let parts = st.parts as WindowPart[];
    if (st.copiedAt !== tick) {
      // The window of the last tick may still hold the old array: copy once per tick, then write in place.
      parts = parts.slice();
      st.parts = parts;
      st.copiedAt = tick;
    }
    st.shape = undefined;
    if (p.instance !== undefined) {
      for (let i = parts.length - 1; i >= 0; i--) {
        const q = parts[i]!;
        if (q.start === p.start && q.instance === p.instance) {
          parts.splice(i, 1);
          break;
        }
      }
    } else {
      for (let i = parts.length - 1; i >= 0; i--) if (sameContent(parts[i]!, p)) parts.splice(i, 1);
    }
    let at = parts.length;
    while (at > 0 && parts[at - 1]!.start > p.start) at--;
    if (at === parts.length) parts.push(p);
    else parts.splice(at, 0, p);
  }
}

/**
 * Drops the parts that ended at or before `from`, and the series left without any. Parts are
 * sorted by start and end after it: only the oldest of each series are looked at.
 */
function prune(kept: KeptMetric, from: number, tick: number): void {
  let emptied = false;
  for (const st of kept.table.values) {
    const parts = st.parts;
    let stale = false;
    for (let i = 0; i < parts.length && parts[i]!.start < from; i++) {
      if (parts[i]!.end <= from) {
        stale = true;
        break;
      }
    }
    if (!stale) continue;
    st.parts = parts.filter((q) => q.end > from);
    st.copiedAt = tick;
    st.shape = undefined;
    if (st.parts.length === 0) emptied = true;
  }
  if (!emptied) return;
  const table = new LabelTable<KeptSeries>();
  for (const st of kept.table.values) if (st.parts.length > 0) table.add(st, st.hash);
  kept.table = table;
}
