import { matchesLabels, seriesKey } from '../../core/labels.js';
import type { Rollup, RollupQuery } from '../contract.js';

interface SeriesPoints {
  name: string;
  labels: Readonly<Record<string, string>>;
  points: Rollup[];
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
    if (entry === undefined) series.set(key, (entry = { name: rollup.name, labels: Object.freeze({ ...rollup.labels }), points: [] }));
    const stored = { ...rollup, labels: entry.labels };
    insertByStart(entry.points, stored);
    const excess = entry.points.length - this.maxPointsPerSeries;
    if (excess > 0) entry.points.splice(0, excess);
    return stored;
  }

  /** Copies of the rollups of `query.name` whose labels include `query.labels` and whose slot overlaps (max(from, cutoff), to). */
  query(query: RollupQuery, cutoff: number): Rollup[] {
    const series = this.byName.get(query.name);
    if (series === undefined) return [];
    const from = Math.max(query.from ?? -Infinity, cutoff);
    const to = query.to ?? Infinity;
    const out: Rollup[] = [];
    for (const entry of series.values()) {
      if (!matchesLabels(entry.labels, query.labels)) continue;
      for (const point of entry.points) if (point.end > from && point.start < to) out.push({ ...point, labels: { ...point.labels } });
    }
    return out.sort((a, b) => a.start - b.start);
  }

  /** Removes the rollups that ended at or before `timestamp`, and the series left empty; returns how many went. */
  removeEndedBy(timestamp: number): number {
    let removed = 0;
    for (const [name, series] of this.byName) {
      for (const [key, entry] of series) {
        const keep = entry.points.filter((p) => p.end > timestamp);
        removed += entry.points.length - keep.length;
        if (keep.length === 0) series.delete(key);
        else entry.points = keep;
      }
      if (series.size === 0) this.byName.delete(name);
    }
    return removed;
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
