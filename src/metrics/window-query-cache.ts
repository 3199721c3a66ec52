import type { Rollup, RollupChanges } from '../storage/contract.js';
import { COLUMNS } from './window-query-cache-columns.js';
import { groupInPieces, Pacer, PIECE, PIECE_MS, type Pause, type SeriesOps } from './window-query-cache-pieces.js';
import { holds, LabelTable, sameContent, type StoredSeries } from './window-query-series.js';
import type { WindowPart } from './window-query-window.js';

/** How a {@link StoredRollupCache} refreshes. */
export interface StoredRollupCacheOptions {
  /**
   * How long after a slot ends its rollups may still reach the store and be seen by the next
   * incremental read of a store without a change log: each read re-reads the slots that ended
   * within this span before the previous read. A rollup written later is seen at the next full read.
   */
  lateness: number;
  /** Longest time between two full reads of a metric's range. */
  refreshEvery: number;
  /** Most metrics kept (the least recently read go first). */
  maxMetrics: number;
  /** Series as columns (`KeptSeries`: a snapshot's, see window-query-cache-columns.ts); the same series and parts either way. */
  columns?: boolean | undefined;
}

/** A series of `st`'s label set with `parts` (`st` itself when they are its own). */
const withParts = (st: StoredSeries, parts: readonly WindowPart[]): StoredSeries => (parts === st.parts ? st : { labels: st.labels, hash: st.hash, key: st.key, parts, shape: undefined });

const OBJECTS: SeriesOps = {
  group: groupInPieces,
  apply: async (cached, rollups, from, pacer) => apply(cached, await groupInPieces(rollups, true, pacer), from, pacer),
  prune: (st, from, upTo) => withParts(st, prune(st.parts, from, upTo)),
  upsert: (st, written) => withParts(st, upsert(st.parts, written.parts)),
  size: (st) => st.parts.length,
};

/** Reads a metric's stored rollups over [from, now). */
export type ReadStored = (from: number) => Promise<Rollup[]>;

/** Reads the rollups of a metric written since a cursor (a store's `readRollupChanges`). */
export type ReadChanges = (cursor: string | undefined) => Promise<RollupChanges>;

/** One read of a metric through the cache. */
export interface CacheRead {
  name: string;
  /** Range start: the cache holds every stored rollup that ends after it. */
  from: number;
  now: number;
  read: ReadStored;
  /** The store's change log, when it keeps one. */
  changes?: ReadChanges | undefined;
  /**
   * The earliest end of this process's rollups of the metric still waiting in its recorder
   * (Infinity: none). Read from memory now, they reach the store later, maybe long after their
   * slot: the next read of a store without a change log re-reads from there.
   */
  waitingEnd: number;
  /**
   * Lets the event loop turn (a `Clock.yield`) between pieces of a large grouping or merge (see
   * `PIECE`): after a slot closed every series of a metric changed, and a snapshot merged the
   * 5,000 rollups its change log named in one stretch of 50-150 ms. Absent: all in one go.
   */
  pause?: Pause | undefined;
  /** Real time a piece runs at most (`Pacer`'s `pieceMs`; absent: `PIECE_MS`): a snapshot's reads take its chunks' time. */
  pieceMs?: number | undefined;
}

interface CachedMetric {
  /** The range start the cache holds every stored rollup from. */
  from: number;
  /** When the last read (full or incremental) started. */
  readAt: number;
  /** When the last full read started. */
  fullAt: number;
  /** Where the store's change log continues (stores with `readRollupChanges`). */
  cursor: string | undefined;
  /** `CacheRead.waitingEnd` at the last read. */
  waitingEnd: number;
  series: readonly StoredSeries[];
}

/**
 * Every instance's stored rollups of the metrics the rule engine reads, kept between ticks:
 * a tick reads what the store's change log says was written since the last one (any slot), or,
 * without a change log, re-reads the slots that ended recently (`lateness`, and back to this
 * process's oldest rollup that was still waiting at the last read); every `refreshEvery` it
 * reads the whole range. What did not change keeps its {@link StoredSeries} object, so a window
 * built from it takes the series as they are (see `buildWindow`) and each histogram is decoded
 * once.
 */
export class StoredRollupCache {
  private readonly metrics = new Map<string, CachedMetric>();
  private readonly ops: SeriesOps;

  constructor(private readonly options: StoredRollupCacheOptions) {
    this.ops = options.columns === true ? COLUMNS : OBJECTS;
  }

  /**
   * The stored series of the metric over [from, now), from the cache refreshed by the store.
   * Rejects with the range read's error (and forgets the metric: the next read is a full one).
   * A change log that fails is not used for this read (the range is read instead).
   *
   * With `req.pause`, grouping and merging let the event loop turn between pieces. What is kept
   * is never changed in place (a read builds new arrays and series objects, and stores them only
   * once done), so a read that comes while another is between two pieces reads from the entry
   * as it was before that one began, and gets the same answer as if it came before it. When two
   * reads of a metric overlap, the one that read at the later `now` is kept.
   */
  async series(req: CacheRead): Promise<readonly StoredSeries[]> {
    const { name, from, now } = req;
    const cached = this.metrics.get(name);
    const pacer = new Pacer(req.pause, PIECE, req.pieceMs ?? PIECE_MS);
    try {
      let next: CachedMetric | undefined;
      let cursor: string | undefined;
      if (cached !== undefined && from >= cached.from && now >= cached.readAt && now - cached.fullAt < this.options.refreshEvery) {
        if (req.changes === undefined) next = await this.refresh(cached, req, pacer);
        else {
          const c = await changesOf(req.changes, cached.cursor);
          // The log changes in write order: a rollup written again replaces what it wrote before.
          if (c?.complete === true) next = { ...cached, from, readAt: now, cursor: c.cursor, series: await this.ops.apply(cached.series, c.rollups, from, pacer) };
          else cursor = c?.cursor;
        }
      }
      if (next === undefined) {
        // The cursor is taken before the range is read: a write between the two is read twice
        // (and kept once: see `upsert`), never missed.
        if (req.changes !== undefined) cursor ??= (await changesOf(req.changes, undefined))?.cursor;
        next = { from, readAt: now, fullAt: now, cursor, waitingEnd: Infinity, series: await this.ops.group(await req.read(from), false, pacer) };
      }
      next.waitingEnd = req.waitingEnd;
      this.keep(name, next);
      return next.series;
    } catch (error) {
      // Only the entry this read started from: another read may have stored a newer one meanwhile.
      if (this.metrics.get(name) === cached) this.metrics.delete(name);
      throw error;
    }
  }

  /**
   * Stores `next` as the metric's entry, the most recently read (the least recently read go
   * first past `maxMetrics`), unless a read that overlapped this one stored one read later.
   */
  private keep(name: string, next: CachedMetric): void {
    const current = this.metrics.get(name);
    if (current !== undefined && current.readAt > next.readAt) return;
    this.metrics.delete(name);
    this.metrics.set(name, next);
    if (this.metrics.size > this.options.maxMetrics) this.metrics.delete(this.metrics.keys().next().value!);
  }

  /** Forgets the metrics not in `names` (those no rule read this tick). */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.metrics.keys()) if (!names.has(name)) this.metrics.delete(name);
  }

  /** Forgets every metric (the next reads are full ones). */
  clear(): void {
    this.metrics.clear();
  }

  /** Re-reads the recent slots of `cached` (see {@link StoredRollupCacheOptions.lateness}) and drops what ended at or before `from`. */
  private async refresh(cached: CachedMetric, req: CacheRead, pacer: Pacer): Promise<CachedMetric> {
    const { from, now } = req;
    // Back to the oldest own rollup that was waiting: it may have been written since, whatever its slot.
    const recent = Math.max(from, Math.min(cached.readAt - this.options.lateness, cached.waitingEnd - 1));
    const fresh = new LabelTable<StoredSeries>();
    const ops = this.ops;
    const read = await ops.group(await req.read(recent), false, pacer);
    for (let i = 0; i < read.length; i++) {
      const st = read[i]!;
      fresh.add(st, st.hash);
      if (pacer.charge()) await pacer.pause();
    }
    const out: StoredSeries[] = [];
    const used = new Set<StoredSeries>();
    const kept = cached.series;
    for (let i = 0; i < kept.length; i++) {
      const st = kept[i]!;
      if (pacer.charge()) await pacer.pause();
      const update = fresh.find(st.labels, st.hash);
      // What ended after `recent` was re-read: the store's copy replaces the kept one.
      let next = ops.prune(st, from, recent);
      if (update !== undefined) {
        next = ops.upsert(next, update);
        used.add(update);
      }
      if (ops.size(next) === 0) continue;
      out.push(next);
    }
    for (const st of fresh.values) if (!used.has(st)) out.push(st);
    return { ...cached, from, readAt: now, cursor: undefined, series: out };
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

/**
 * `cached` with the series of `changed` written into it (see {@link upsert}) and every part that
 * ended at or before `from` dropped. Series that did not change keep their object. In pieces
 * (`pacer`), into new arrays only: `cached` and its series are read, never changed.
 */
async function apply(cached: readonly StoredSeries[], changed: readonly StoredSeries[], from: number, pacer: Pacer): Promise<readonly StoredSeries[]> {
  // Nothing written and nothing left the range (most snapshots between two slot closes): the
  // same array, so that a window built from it is seen unchanged at a glance, and no copy of it.
  if (changed.length === 0 && cached.every((st) => prune(st.parts, from, Infinity) === st.parts)) return cached;
  // Indexed loops here and below: an array iterator kept across an await allocates a result per
  // step (0.6 MB of a snapshot's 5,000 series after a slot closed).
  const updates = new LabelTable<StoredSeries>();
  for (let i = 0; i < changed.length; i++) {
    const st = changed[i]!;
    updates.add(st, st.hash);
    if (pacer.charge()) await pacer.pause();
  }
  const used = new Set<StoredSeries>();
  const out: StoredSeries[] = [];
  for (let i = 0; i < cached.length; i++) {
    const st = cached[i]!;
    if (pacer.charge()) await pacer.pause();
    const update = updates.find(st.labels, st.hash);
    let parts: readonly WindowPart[];
    if (update === undefined) parts = prune(st.parts, from, Infinity);
    else {
      used.add(update);
      parts = upsertAfter(st.parts, prune(update.parts, from, Infinity), from);
    }
    if (parts.length === 0) continue;
    out.push(parts === st.parts ? st : { labels: st.labels, hash: st.hash, key: st.key, parts, shape: undefined });
  }
  for (let i = 0; i < changed.length; i++) {
    const st = changed[i]!;
    if (pacer.charge()) await pacer.pause();
    if (used.has(st)) continue;
    const parts = prune(st.parts, from, Infinity);
    if (parts.length > 0) out.push(parts === st.parts ? st : { labels: st.labels, hash: st.hash, key: undefined, parts, shape: undefined });
  }
  return out;
}

/**
 * `parts` with `written` in place of the parts of the same start and instance (a part without an
 * instance: of the same content, as a store keeps it once), sorted by start.
 */
function upsert(parts: readonly WindowPart[], written: readonly WindowPart[]): readonly WindowPart[] {
  if (written.length === 0) return parts;
  if (parts.length === 0) return written;
  const out = parts.filter((p) => (p.instance === undefined ? !written.some((w) => sameContent(w, p)) : !holds(written, p.start, p.instance)));
  const sorted = out.length === 0 || out[out.length - 1]!.start <= written[0]!.start;
  for (const p of written) out.push(p);
  return sorted ? out : out.sort((a, b) => a.start - b.start);
}

/**
 * `upsert(prune(parts, from, Infinity), written)` in one pass and one new array: a tick of the
 * rule engine calls it for every series written since the last one (all of them every other
 * tick), and the intermediate array of the two-step form was a fifth of the tick's allocations.
 */
function upsertAfter(parts: readonly WindowPart[], written: readonly WindowPart[], from: number): readonly WindowPart[] {
  if (written.length === 0) return prune(parts, from, Infinity);
  const out: WindowPart[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.end <= from) continue;
    if (p.instance === undefined ? written.some((w) => sameContent(w, p)) : holds(written, p.start, p.instance)) continue;
    out.push(p);
  }
  if (out.length === 0) return written;
  const sorted = out[out.length - 1]!.start <= written[0]!.start;
  for (let i = 0; i < written.length; i++) out.push(written[i]!);
  return sorted ? out : out.sort((a, b) => a.start - b.start);
}

/** The parts that end within (from, upTo]; the same array when all do. */
function prune(parts: readonly WindowPart[], from: number, upTo: number): readonly WindowPart[] {
  if (upTo === Infinity) {
    // Parts are sorted by start and end at or after it: only those starting at or before `from`
    // can have ended by then (at `from`: a zero-length part, a slot closed the instant it
    // opened), so a tick looks at the oldest one or two parts of a series, not all of them (this
    // loop ran over every kept part of every series at every tick).
    for (let i = 0; i < parts.length && parts[i]!.start <= from; i++) if (parts[i]!.end <= from) return parts.filter((q) => q.end > from);
    return parts;
  }
  for (const p of parts) if (p.end <= from || p.end > upTo) return parts.filter((q) => q.end > from && q.end <= upTo);
  return parts;
}
