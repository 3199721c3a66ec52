import { realTime } from '../../core/clock.js';
import { matchesLabels, seriesKey } from '../../core/labels.js';
import type { MetricKind, Rollup, RollupQuery, StoredMetricName } from '../contract.js';
import { byCodePoint, clampNameLimit, nameMatches } from '../metric-names.js';
import { compactionGroups, mergeRollups, type CompactionResult } from '../compaction.js';

/**
 * Rollups a range read copies between two turns of the event loop (see `MemoryRollups.query`):
 * 0.8 µs of CPU each at a load average of 10 on 2 cores (50,000 in 37-49 ms once warm, twice
 * that on a first read), so a piece is 2-3 ms of CPU there, under a millisecond on a quiet machine.
 */
export const READ_PIECE = 2_000;

/**
 * Real time (ms) a piece runs at most, as a snapshot's chunks (`CHUNK_MS`, 3 ms): a process's first
 * read runs cold code, where 2,000 rollups took 10-20 ms of CPU under load. Checked every
 * {@link TIME_EVERY} rollups, so a read smaller than that never waits for a turn.
 */
const READ_PIECE_MS = 3;
const TIME_EVERY = 256;

interface SeriesPoints {
  name: string;
  labels: Readonly<Record<string, string>>;
  points: Rollup[];
  /** The latest end among `points`, and the kind of the point that has it (kept on write, so listing names reads no points). */
  lastEnd: number;
  lastKind: MetricKind;
}

/**
 * `MemoryStorage`'s rollups: points per series ordered by start, one per (start, instance) for
 * rollups that carry an instance, at most `maxPointsPerSeries` each (the oldest go first).
 */
export class MemoryRollups {
  private readonly byName = new Map<string, Map<string, SeriesPoints>>();

  constructor(private readonly maxPointsPerSeries: number) {}

  /** Stores one valid rollup and returns the stored object (labels frozen, shared by its series). */
  add(rollup: Rollup): Rollup {
    let series = this.byName.get(rollup.name);
    if (series === undefined) this.byName.set(rollup.name, (series = new Map()));
    const key = seriesKey(rollup.labels);
    let entry = series.get(key);
    // The store keeps its own frozen copy of the labels: the series is keyed by them, so a caller
    // changing the object it wrote (or one it read back) must not move points between series.
    if (entry === undefined) {
      entry = { name: rollup.name, labels: Object.freeze({ ...rollup.labels }), points: [], lastEnd: -Infinity, lastKind: rollup.kind };
      series.set(key, entry);
    }
    const stored = { ...rollup, labels: entry.labels };
    insertByStart(entry.points, stored);
    if (stored.end >= entry.lastEnd) {
      entry.lastEnd = stored.end;
      entry.lastKind = stored.kind;
    }
    const excess = entry.points.length - this.maxPointsPerSeries;
    if (excess > 0) {
      const removed = entry.points.splice(0, excess);
      // The oldest points rarely hold the latest end (only a long slot would): look again only then.
      if (removed.some((p) => p.end >= entry.lastEnd)) settleLast(entry);
    }
    return stored;
  }

  /** The names with a series that ended after max(since, cutoff), in code point order, at most `limit`, with their series counted. */
  names(since: number, cutoff: number, limit: number | undefined, match?: string): StoredMetricName[] {
    const after = Math.max(since, cutoff);
    const out: StoredMetricName[] = [];
    for (const [name, series] of this.byName) {
      if (!nameMatches(name, match)) continue;
      let count = 0;
      let last: SeriesPoints | undefined;
      for (const entry of series.values()) {
        if (entry.lastEnd <= after) continue;
        count++;
        if (last === undefined || entry.lastEnd > last.lastEnd) last = entry;
      }
      if (last !== undefined) out.push({ name, kind: last.lastKind, lastSeen: last.lastEnd, series: count });
    }
    return out.sort((a, b) => byCodePoint(a.name, b.name)).slice(0, clampNameLimit(limit));
  }

  /**
   * Copies of the rollups of `query.name` whose labels include `query.labels` and whose slot
   * overlaps (max(from, cutoff), to), ordered by start (series in the order they were first
   * written within a start). Awaits `pause` between series after every {@link READ_PIECE}
   * rollups copied: a window of 5,000 series (50,000 rollups) took 40-100 ms of CPU in one
   * stretch under load. Each series is copied in one stretch, as it is at that moment; a series
   * created during the read is not in it, one removed during the read is as it was before (as if
   * the read came first). `copies` false: the stored objects themselves (see
   * `MemoryStorage.readStoredRollups`).
   */
  async query(query: RollupQuery, cutoff: number, pause: () => Promise<void>, copies = true): Promise<Rollup[]> {
    const series = this.byName.get(query.name);
    if (series === undefined) return [];
    const from = Math.max(query.from ?? -Infinity, cutoff);
    const to = query.to ?? Infinity;
    // The series at the start of the read: a Map iterated across awaits would visit one that was
    // removed and written again meanwhile twice.
    const entries = [...series.values()];
    // Rollups by start, each start's in the order the series are visited: the stable sort by
    // start, without sorting the rollups (the starts are a window's few dozen slots).
    const byStart = new Map<number, Rollup[]>();
    let copied = 0;
    let timeAt = TIME_EVERY;
    let began = realTime();
    // Indexed loops: a first read runs cold code, where each step of an iterator allocates.
    for (let e = 0; e < entries.length; e++) {
      const entry = entries[e]!;
      if (!matchesLabels(entry.labels, query.labels)) continue;
      const points = entry.points;
      for (let p = 0; p < points.length; p++) {
        const point = points[p]!;
        if (point.end <= from || point.start >= to) continue;
        const copy = copies ? { ...point, labels: { ...point.labels } } : point;
        const list = byStart.get(copy.start);
        if (list === undefined) byStart.set(copy.start, [copy]);
        else list.push(copy);
        copied++;
      }
      if (copied >= READ_PIECE || (copied >= timeAt && realTime() - began >= READ_PIECE_MS)) {
        copied = 0;
        timeAt = TIME_EVERY;
        await pause();
        began = realTime();
      } else if (copied >= timeAt) timeAt = copied + TIME_EVERY;
    }
    const out: Rollup[] = [];
    for (const start of [...byStart.keys()].sort((a, b) => a - b)) for (const r of byStart.get(start)!) out.push(r);
    return out;
  }

  /**
   * Merges, per series and span ending by `before`, the rollups inside it (that retention does not
   * hide: end after `cutoff`) into one (see `CompactionStore.compactRollups`), at most `limit`
   * rollups merged. In place, between two awaits: no reader sees a span half replaced.
   */
  compact(span: number, before: number, limit: number, cutoff: number): CompactionResult {
    const result: CompactionResult = { merged: 0, written: 0, done: true };
    for (const series of this.byName.values()) {
      for (const entry of series.values()) {
        const groups = compactionGroups(
          entry.points.filter((p) => p.end > cutoff),
          span,
          before,
        );
        for (const g of groups) {
          if (result.merged > 0 && result.merged + g.rollups.length > limit) {
            result.done = false;
            return result;
          }
          const gone = new Set(g.rollups);
          entry.points = entry.points.filter((p) => !gone.has(p));
          insertByStart(entry.points, { ...mergeRollups(g.rollups, g.spanStart, span), labels: entry.labels });
          result.merged += g.rollups.length;
          result.written++;
        }
      }
    }
    return result;
  }

  /** Removes the rollups that ended at or before `timestamp`, and the series left empty; returns how many went. */
  removeEndedBy(timestamp: number): number {
    let removed = 0;
    for (const [name, series] of this.byName) {
      for (const [key, entry] of series) {
        const keep = entry.points.filter((p) => p.end > timestamp);
        removed += entry.points.length - keep.length;
        if (keep.length === 0) series.delete(key);
        else if (keep.length < entry.points.length) {
          entry.points = keep;
          settleLast(entry);
        }
      }
      if (series.size === 0) this.byName.delete(name);
    }
    return removed;
  }
}

/**
 * Copies of `rollups` (stored objects, which the store never changes: it replaces them), in
 * order, awaiting `pause` after every {@link READ_PIECE} copied: a small list never waits for it.
 */
export async function copyInPieces(rollups: readonly Rollup[], pause: () => Promise<void>): Promise<Rollup[]> {
  const out: Rollup[] = [];
  for (let i = 0; i < rollups.length; i++) {
    const point = rollups[i]!;
    out.push({ ...point, labels: { ...point.labels } });
    if ((i + 1) % READ_PIECE === 0 && i + 1 < rollups.length) await pause();
  }
  return out;
}

/** Recomputes a series' latest end and its kind from its points. */
function settleLast(entry: SeriesPoints): void {
  entry.lastEnd = -Infinity;
  for (const p of entry.points) {
    if (p.end >= entry.lastEnd) {
      entry.lastEnd = p.end;
      entry.lastKind = p.kind;
    }
  }
}

/**
 * Inserts in start order. One rollup per (series, start, instance): a rollup its instance wrote
 * before (a retry, or a rewrite) replaces the stored one; one without `instance` is added as before.
 */
function insertByStart(points: Rollup[], rollup: Rollup): void {
  let i = points.length;
  while (i > 0 && points[i - 1]!.start > rollup.start) i--;
  if (rollup.instance !== undefined) {
    for (let j = i - 1; j >= 0 && points[j]!.start === rollup.start; j--) {
      if (points[j]!.instance === rollup.instance) {
        points[j] = rollup;
        return;
      }
    }
  }
  points.splice(i, 0, rollup);
}
