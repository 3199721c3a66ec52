import { seriesKey } from '../core/labels.js';
import type { Rollup, RollupChanges } from '../storage/contract.js';
import type { CacheRead, ReadChanges } from './window-query-cache.js';
import { END, F, KeptSeries } from './window-query-columns.js';
import { groupRollups, hashLabels, LabelTable, type StoredSeries } from './window-query-series.js';
import type { WindowSeries } from './window-query-window.js';

export { KeptSeries } from './window-query-columns.js';

// A kept series is both a stored series and a window series (checked here, where both are known).
const _asStored: (s: KeptSeries) => StoredSeries = (s) => s;
const _asWindow: (s: KeptSeries) => WindowSeries = (s) => s;
void _asStored;
void _asWindow;

/** How a {@link KeptRollups} bounds what it keeps. */
export interface KeptRollupsOptions {
  /** Longest time between two full reads of a metric's range. */
  refreshEvery: number;
  /** Most metrics kept (the least recently read go first). */
  maxMetrics: number;
  /** Most series kept per metric: past it, at a full read or after a tick's changes, the metric is not kept (the next read is a full one) and `dropped` counts it. */
  maxSeries: number;
}

interface KeptMetric {
  from: number;
  readAt: number;
  fullAt: number;
  cursor: string | undefined;
  table: LabelTable<KeptSeries>;
  /**
   * Its series by frozen label objects seen in rollups: a `MemoryStorage` hands back the same
   * frozen labels for every rollup of a series, so the change log's rollups are found by identity,
   * without a label hash and comparison each. Frozen objects only: they cannot change, so the same
   * object is the same label set. Entries point only to series in `table`.
   */
  byLabels: Map<object, KeptSeries>;
  /** No kept part ends before it: while the range starts earlier, the series no rollup reached have nothing to drop. */
  ends: number;
}

/** Numbers the passes of `apply` (stamped on the series each pruned, see `KeptSeries.prunedAt`). */
let passes = 0;

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
  /** Reads of a metric that found it with more than `maxSeries` series (it is not kept then). */
  dropped = 0;

  constructor(private readonly options: KeptRollupsOptions) {}

  /**
   * The stored series of the metric over [from, now), kept and refreshed by the store's change
   * log (`req.changes`, required). Rejects with the range read's error (and forgets the metric).
   */
  async series(req: CacheRead & { changes: ReadChanges }): Promise<readonly KeptSeries[]> {
    const { name, from, now } = req;
    const kept = this.metrics.get(name);
    this.metrics.delete(name);
    try {
      let cursor: string | undefined;
      if (kept !== undefined && from >= kept.from && now >= kept.readAt && now - kept.fullAt < this.options.refreshEvery) {
        const c = await changesOf(req.changes, kept.cursor);
        if (c?.complete === true) {
          apply(kept, c.rollups, from);
          // Series can come through the log for the whole refresh period (churning label values):
          // the bound holds at every tick, not only at full reads.
          if (kept.table.values.length > this.options.maxSeries) {
            this.dropped++;
            return kept.table.values;
          }
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
      const byLabels = new Map<object, KeptSeries>();
      let ends = Infinity;
      for (const st of groupRollups(await req.read(from))) {
        const kept = new KeptSeries(st.labels, st.hash, seriesKey(st.labels), st.parts.length + 2);
        for (const p of st.parts) {
          kept.insert(kept.n, p);
          if (p.end < ends) ends = p.end;
        }
        table.add(kept, st.hash);
        if (Object.isFrozen(st.labels)) byLabels.set(st.labels, kept);
      }
      if (table.values.length > this.options.maxSeries) {
        this.dropped++;
        return table.values;
      }
      this.keep(name, { from, readAt: now, fullAt: now, cursor, table, byLabels, ends });
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

/** A change log's answer; undefined when it failed (the caller reads the range instead). */
async function changesOf(changes: ReadChanges, cursor: string | undefined): Promise<RollupChanges | undefined> {
  try {
    return await changes(cursor);
  } catch {
    return undefined;
  }
}

/** The series a call of {@link apply} reached, each once (emptied before it returns). */
const reached: KeptSeries[] = [];

/**
 * Writes the log's rollups (in write order) into their series (see `KeptSeries.upsert`), then
 * drops the parts that ended at or before `from`, and the series left without any. Each series a
 * rollup reaches is pruned at once, while its columns are in cache: after a slot closed every
 * series gets its rollup and loses its oldest part, and a second pass over 10,000 series' columns
 * missed the cache for each (the fleet bench). Pruning between two rollups of a series leaves what
 * pruning after both does: a part replaced or added is dropped by its own end either way. Only the
 * series no rollup reached are pruned after, and only when a part can have ended (`ends`): between
 * two slot closes nothing expires, and that pass read every series' columns for nothing.
 */
function apply(kept: KeptMetric, rollups: readonly Rollup[], from: number): void {
  const { table, byLabels } = kept;
  const pass = ++passes;
  let touched = 0;
  let emptied = false;
  /** The least end of the parts of the series pruned here. */
  let least = Infinity;
  for (let i = 0; i < rollups.length; i++) {
    const r = rollups[i]!;
    let st = byLabels.get(r.labels);
    if (st === undefined) {
      const hash = hashLabels(r.labels);
      st = table.find(r.labels, hash) ?? table.add(new KeptSeries(r.labels, hash, seriesKey(r.labels), 4), hash);
      if (Object.isFrozen(r.labels)) alias(kept, r.labels, st);
    }
    st.upsert(r);
    if (st.prune(from) && st.n === 0) emptied = true;
    if (st.prunedAt !== pass) {
      st.prunedAt = pass;
      touched++;
      reached.push(st);
    }
  }
  // Each series' least end once, after all its rollups: per rollup, a series 50 instances write
  // scanned its parts 50 times a tick (2-4x slower than the pass before, review R2).
  for (let i = 0; i < reached.length; i++) least = Math.min(least, leastEnd(reached[i]!));
  reached.length = 0;
  if (touched === table.values.length) kept.ends = least;
  else if (from < kept.ends) kept.ends = Math.min(kept.ends, least);
  else {
    for (const st of table.values) {
      if (st.prunedAt === pass) continue;
      if (st.prune(from) && st.n === 0) emptied = true;
      least = Math.min(least, leastEnd(st));
    }
    kept.ends = least;
  }
  if (!emptied) return;
  const left = new LabelTable<KeptSeries>();
  for (const st of table.values) if (st.n > 0) left.add(st, st.hash);
  kept.table = left;
  // A series let go must not be found by its labels object: a later rollup of it makes a new one.
  for (const [labels, st] of byLabels) if (st.n === 0) byLabels.delete(labels);
}

/** The least end of `st`'s parts (Infinity: none). */
function leastEnd(st: KeptSeries): number {
  const c = st.cols;
  let least = Infinity;
  for (let i = 0; i < st.n; i++) if (c[i * F + END]! < least) least = c[i * F + END]!;
  return least;
}

/**
 * Finds `st` by `labels` from now on. Bounded: a store handing out a new frozen object for a
 * series it made again adds one each time, so past twice the series (and a few), only each
 * series' own labels are kept.
 */
function alias(kept: KeptMetric, labels: object, st: KeptSeries): void {
  const byLabels = kept.byLabels;
  byLabels.set(labels, st);
  if (byLabels.size <= 2 * kept.table.values.length + 16) return;
  byLabels.clear();
  for (const s of kept.table.values) if (Object.isFrozen(s.labels)) byLabels.set(s.labels, s);
}
