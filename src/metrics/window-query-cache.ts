import type { Rollup, RollupChanges } from '../storage/contract.js';
import { groupRollups, holds, LabelTable, type StoredSeries } from './window-query-series.js';
import type { WindowPart } from './window-query-window.js';

/** How a {@link StoredRollupCache} refreshes. */
export interface StoredRollupCacheOptions {
  /**
   * How long after a slot ends its rollups may still reach the store and be seen by the next
   * incremental read: each read re-reads the slots that ended within this span before the
   * previous read. A rollup written later is seen at the next full read.
   */
  lateness: number;
  /** Longest time between two full reads of a metric's range. */
  refreshEvery: number;
  /** Most metrics kept (the least recently read go first). */
  maxMetrics: number;
}

/** Reads a metric's stored rollups over [from, now). */
export type ReadStored = (from: number) => Promise<Rollup[]>;

/** Reads the rollups of a metric written since a cursor (a store's `readRollupChanges`). */
export type ReadChanges = (cursor: string | undefined) => Promise<RollupChanges>;

interface CachedMetric {
  /** The range start the cache holds every stored rollup from. */
  from: number;
  /** When the last read (full or incremental) started. */
  readAt: number;
  /** When the last full read started. */
  fullAt: number;
  /** Where the store's change log continues (stores with `readRollupChanges`). */
  cursor: string | undefined;
  series: readonly StoredSeries[];
}

/**
 * Every instance's stored rollups of the metrics the rule engine reads, kept between ticks:
 * a tick re-reads only the slots that ended recently (`lateness`) and, every `refreshEvery`, the
 * whole range. What did not change keeps its {@link StoredSeries} object, so a window built from
 * it takes the series as they are (see `buildWindow`) and each histogram is decoded once.
 *
 * One store read per metric and tick, as before; it covers a few slots instead of the window.
 * A rollup written more than `lateness` after its slot ended (a writer's store was down, its
 * flush interval is longer than `lateness`) is seen at the next full read, within
 * `refreshEvery`.
 */
export class StoredRollupCache {
  private readonly metrics = new Map<string, CachedMetric>();

  constructor(private readonly options: StoredRollupCacheOptions) {}

  /**
   * The stored series of `name` over [from, now), from the cache refreshed by `read`. Rejects
   * with `read`'s error (and forgets the metric: the next read is a full one).
   */
  async series(name: string, from: number, now: number, read: ReadStored, changes?: ReadChanges): Promise<readonly StoredSeries[]> {
    const cached = this.metrics.get(name);
    this.metrics.delete(name);
    try {
      let next: CachedMetric | undefined;
      if (cached !== undefined && from >= cached.from && now >= cached.readAt && now - cached.fullAt < this.options.refreshEvery) {
        if (changes === undefined) next = await this.refresh(cached, from, now, read);
        else {
          const c = await changes(cached.cursor);
          if (c.complete) next = { from, readAt: now, fullAt: cached.fullAt, cursor: c.cursor, series: apply(cached.series, groupRollups(c.rollups), from) };
        }
      }
      if (next === undefined) {
        // The cursor is taken before the range is read: a write between the two is read twice, never missed.
        const cursor = changes === undefined ? undefined : (await changes(undefined)).cursor;
        next = { from, readAt: now, fullAt: now, cursor, series: groupRollups(await read(from)) };
      }
      this.metrics.set(name, next);
      if (this.metrics.size > this.options.maxMetrics) this.metrics.delete(this.metrics.keys().next().value!);
      return next.series;
    } catch (error) {
      this.metrics.delete(name);
      throw error;
    }
  }

  /** Forgets every metric (the next reads are full ones). */
  clear(): void {
    this.metrics.clear();
  }

  /** Re-reads the recent slots of `cached` and drops what ended at or before `from`. */
  private async refresh(cached: CachedMetric, from: number, now: number, read: ReadStored): Promise<CachedMetric> {
    const recent = Math.max(from, cached.readAt - this.options.lateness);
    const fresh = new LabelTable<StoredSeries>();
    for (const st of groupRollups(await read(recent))) fresh.add(st, st.hash);
    const out: StoredSeries[] = [];
    const used = new Set<StoredSeries>();
    for (const st of cached.series) {
      const update = fresh.find(st.labels, st.hash);
      const kept = keep(st.parts, from, recent);
      let parts: readonly WindowPart[];
      if (update === undefined) parts = kept;
      else {
        parts = kept.length === 0 ? update.parts : merge(kept, update.parts);
        used.add(update);
      }
      if (parts.length === 0) continue;
      out.push(parts === st.parts ? st : { labels: st.labels, hash: st.hash, key: st.key, parts });
    }
    for (const st of fresh.values) if (!used.has(st)) out.push(st);
    return { from, readAt: now, fullAt: cached.fullAt, cursor: undefined, series: out };
  }
}

/**
 * `cached` with the series of `changed` written into it (a part replaces the one of its start
 * and instance) and every part that ended at or before `from` dropped. Series that did not
 * change keep their object.
 */
function apply(cached: readonly StoredSeries[], changed: readonly StoredSeries[], from: number): StoredSeries[] {
  const updates = new LabelTable<StoredSeries>();
  for (const st of changed) updates.add(st, st.hash);
  const used = new Set<StoredSeries>();
  const out: StoredSeries[] = [];
  for (const st of cached) {
    const update = updates.find(st.labels, st.hash);
    let parts = st.parts[0] !== undefined && st.parts[0].end <= from ? st.parts.filter((p) => p.end > from) : st.parts;
    if (update !== undefined) {
      used.add(update);
      parts = upsert(parts, update.parts.filter((p) => p.end > from));
    }
    if (parts.length === 0) continue;
    out.push(parts === st.parts ? st : { labels: st.labels, hash: st.hash, key: st.key, parts });
  }
  for (const st of changed) {
    if (used.has(st)) continue;
    const parts = st.parts.filter((p) => p.end > from);
    if (parts.length > 0) out.push(parts.length === st.parts.length ? st : { labels: st.labels, hash: st.hash, key: undefined, parts });
  }
  return out;
}

/** `parts` with `written` in place of the parts of the same start and instance, sorted by start. */
function upsert(parts: readonly WindowPart[], written: readonly WindowPart[]): readonly WindowPart[] {
  if (written.length === 0) return parts;
  const out = parts.filter((p) => p.instance === undefined || !holds(written, p.start, p.instance));
  const sorted = out.length === 0 || out[out.length - 1]!.start <= written[0]!.start;
  for (const p of written) out.push(p);
  return sorted ? out : out.sort((a, b) => a.start - b.start);
}

/** The parts that end within (from, recent]: older ones left the range, newer ones were re-read. The same array when all stay. */
function keep(parts: readonly WindowPart[], from: number, recent: number): readonly WindowPart[] {
  let all = true;
  for (const p of parts) {
    if (p.end <= from || p.end > recent) {
      all = false;
      break;
    }
  }
  return all ? parts : parts.filter((p) => p.end > from && p.end <= recent);
}

/** Kept parts and re-read ones, sorted by start, each (start, instance) once (a re-read copy wins). */
function merge(kept: readonly WindowPart[], fresh: readonly WindowPart[]): WindowPart[] {
  // The usual case: every kept slot started before the first re-read one.
  if (kept[kept.length - 1]!.start < fresh[0]!.start) return kept.concat(fresh);
  const out = kept.filter((p) => p.instance === undefined || !holds(fresh, p.start, p.instance));
  for (const p of fresh) out.push(p);
  return out.sort((a, b) => a.start - b.start);
}
