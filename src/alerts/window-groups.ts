import { seriesKey } from '../core/labels.js';
import type { WindowSeries } from '../metrics/window-query.js';
import { ownLabel } from './schema-parts.js';

// Which series of a metric's window each rule reads, and in which alert groups: from label
// postings built over the window's series. A window is built anew at every tick, but its series
// mostly keep their label objects (a kept stored series, an in-memory series) in the same order:
// the postings and groups, as positions, are kept from tick to tick until they do not.

/** An alert group as positions in the window's series: its key, its labels and where its series are. */
export interface GroupShape {
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly at: readonly number[];
}

/**
 * Label postings (label, value -> positions) and groups of one metric's window series, valid
 * while the series hold the same label objects in the same order: label objects are never
 * written after a series is made (a rule's error matcher keeps its answer by them too).
 */
export class SeriesPostings {
  private labels: readonly object[] = [];
  /** The series array last synced with (a window's own): compared again only when another comes. */
  private synced: readonly WindowSeries[] | undefined;
  private readonly byLabel = new Map<string, Map<string, number[]>>();
  private readonly shapes = new Map<string, readonly GroupShape[]>();
  /** Ids of the groupings read since the last {@link retainRead}: a deleted rule's go then. */
  private readonly read = new Set<string>();

  /** Keeps the postings when `series` hold the label objects last seen, in order; else starts afresh. */
  sync(series: readonly WindowSeries[]): void {
    if (series === this.synced) return;
    this.synced = series;
    const labels = this.labels;
    let same = series.length === labels.length;
    for (let i = 0; same && i < series.length; i++) same = series[i]!.labels === labels[i];
    if (same) return;
    this.labels = series.map((s) => s.labels);
    this.byLabel.clear();
    this.shapes.clear();
  }

  /**
   * The groups of the series matching `matchers`, by the values of `groupBy` (`id` names the
   * pair), in the order of the series: the order a group-by over the matching series gives.
   */
  groups(series: readonly WindowSeries[], matchers: Readonly<Record<string, string>>, groupBy: readonly string[], id: string): readonly GroupShape[] {
    this.read.add(id);
    const cached = this.shapes.get(id);
    if (cached !== undefined) return cached;
    const out = new Map<string, { key: string; labels: Record<string, string>; at: number[] }>();
    for (const i of this.select(series, matchers)) {
      const labels: Record<string, string> = {};
      for (const name of groupBy) labels[name] = ownLabel(series[i]!.labels, name) ?? '';
      const key = groupBy.length === 0 ? '' : seriesKey(labels);
      let g = out.get(key);
      if (g === undefined) out.set(key, (g = { key, labels, at: [] }));
      g.at.push(i);
    }
    const shapes = [...out.values()];
    this.shapes.set(id, shapes);
    return shapes;
  }

  /** Groupings kept (for tests). */
  get shapeCount(): number {
    return this.shapes.size;
  }

  /**
   * Forgets the groupings not read since the last call (at the end of a tick): rules deleted or
   * changed over a stable series set left theirs behind (2,000 over 20,000 series: 346 MiB).
   */
  retainRead(): void {
    for (const id of this.shapes.keys()) if (!this.read.has(id)) this.shapes.delete(id);
    this.read.clear();
  }

  /** Positions of the series matching `matchers`: the shortest posting list among them, filtered by the others. */
  private select(series: readonly WindowSeries[], matchers: Readonly<Record<string, string>>): readonly number[] {
    const names = Object.keys(matchers);
    if (names.length === 0) return series.map((_, i) => i);
    let best: number[] | undefined;
    for (const name of names) {
      const list = this.posting(series, name).get(matchers[name]!) ?? [];
      if (best === undefined || list.length < best.length) best = list;
      if (list.length === 0) return [];
    }
    return (best ?? []).filter((i) => names.every((n) => ownLabel(series[i]!.labels, n) === matchers[n]));
  }

  private posting(series: readonly WindowSeries[], label: string): Map<string, number[]> {
    let byValue = this.byLabel.get(label);
    if (byValue === undefined) {
      this.byLabel.set(label, (byValue = new Map()));
      for (let i = 0; i < series.length; i++) {
        const v = ownLabel(series[i]!.labels, label);
        if (v === undefined) continue;
        const list = byValue.get(v);
        if (list === undefined) byValue.set(v, [i]);
        else list.push(i);
      }
    }
    return byValue;
  }
}

/** {@link SeriesPostings} per metric, kept between ticks (absent from a reader: made per tick). */
export class PostingsCache {
  private readonly byName = new Map<string, SeriesPostings>();

  /** The postings of metric `name`, kept since the last tick that read it. */
  of(name: string): SeriesPostings {
    let p = this.byName.get(name);
    if (p === undefined) this.byName.set(name, (p = new SeriesPostings()));
    return p;
  }

  /** Forgets the metrics not in `names`, and the groupings of the others that no rule read this tick. */
  retain(names: ReadonlySet<string>): void {
    for (const [name, p] of this.byName) {
      if (!names.has(name)) this.byName.delete(name);
      else p.retainRead();
    }
  }

  /** Forgets every metric. */
  clear(): void {
    this.byName.clear();
  }
}
