import type { MetricKind, Rollup } from '../storage/contract.js';
import type { MemoPart, WindowPart } from './window-query-types.js';

/**
 * The stored rollups of one series, grouped once (by {@link groupRollups}, or kept between reads
 * by a {@link StoredRollupCache}): its labels, their hash and its parts sorted by start, each
 * (series, start, instance) once. Read-only: a cache replaces the object when the series changes.
 */
export interface StoredSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** {@link hashLabels} of `labels`. */
  readonly hash: number;
  /** Its `seriesKey`, once a reader computed it (carried to the series that replaces it). */
  key: string | undefined;
  readonly parts: readonly WindowPart[];
  /** What a window build learned of `parts` once (see {@link shapeOf}); undefined until then. */
  shape?: SeriesShape | undefined;
}

/** Facts about a stored series' parts that do not change while the object lives (its parts never do). */
export interface SeriesShape {
  /** The kind of every part; null when they differ or a part ends before it starts. */
  readonly kind: MetricKind | null;
  /** The resolution of the last part, in order, of the newest start among those that carry one. */
  readonly resolution: number | undefined;
  /** That part's start (-Infinity: no part carries a resolution). */
  readonly resolutionAt: number;
}

/** The {@link SeriesShape} of a stored series, computed at its first build and kept on it. */
export function shapeOf(st: StoredSeries): SeriesShape {
  if (st.shape !== undefined) return st.shape;
  let kind: MetricKind | null | undefined;
  let resolution: number | undefined;
  let resolutionAt = -Infinity;
  for (const p of st.parts) {
    if (kind === undefined) kind = p.kind;
    else if (kind !== p.kind) kind = null;
    if (p.end < p.start) kind = null;
    if (p.resolution !== undefined && p.start >= resolutionAt) {
      resolution = p.resolution;
      resolutionAt = p.start;
    }
  }
  return (st.shape = { kind: kind ?? null, resolution, resolutionAt });
}

/**
 * A part in one object shape whatever its source (rollups come in the field order of each store):
 * the loops over parts stay monomorphic, which measured faster than reading the rollups as they are.
 */
export function part(
  kind: MetricKind,
  start: number,
  end: number,
  count: number,
  sum: number,
  min: number,
  max: number,
  last: number | undefined,
  instance: string | undefined,
  hdr: string | undefined,
  resolution: number | undefined,
): WindowPart {
  const p: MemoPart = { kind, start, end, count, sum, min, max, last, instance, hdr, resolution, decoded: undefined };
  return p;
}

/** A rollup as a part. */
export function partOf(r: Rollup): WindowPart {
  return part(r.kind, r.start, r.end, r.count, r.sum, r.min, r.max, r.last, r.instance, r.hdr, r.resolution);
}

/** FNV-1a of each `name=value` pair, summed: equal label sets hash equal whatever their key order. */
export function hashLabels(labels: Readonly<Record<string, string>>): number {
  let sum = 0;
  for (const name in labels) {
    const value = labels[name]!;
    let h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x3d, 0x01000193);
    for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
    sum = (sum + h) | 0;
  }
  return sum;
}

/** True when both label sets hold the same names with the same values. */
export function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  let n = 0;
  for (const name in a) {
    if (!Object.hasOwn(b, name) || b[name] !== a[name]) return false;
    n++;
  }
  for (const _name in b) n--;
  return n === 0;
}

/**
 * Values found by their label set. Reading a window compares every rollup's labels with the
 * series seen: an order-free hash of the label pairs and a comparison find them without
 * allocating (a `seriesKey` per rollup, which sorts and serialises, cost a snapshot of 5,000
 * series more than reading its 50,000 rollups from the store).
 */
export class LabelTable<T extends { readonly labels: Readonly<Record<string, string>> }> {
  readonly values: T[] = [];
  private readonly byHash = new Map<number, T | T[]>();

  /** The value of `labels` (`hash` is their {@link hashLabels}). */
  find(labels: Readonly<Record<string, string>>, hash = hashLabels(labels)): T | undefined {
    const found = this.byHash.get(hash);
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return sameLabels(found.labels, labels) ? found : undefined;
    return found.find((e) => sameLabels(e.labels, labels));
  }

  /**
   * The value of the label set whose `seriesKey` is `key` (`hash`: its {@link hashLabels}), for
   * values that carry their key: one string comparison, not a pass over both label sets (a
   * window build looks every stored series up among this process's series: 3,334 matches of
   * the fleet bench's 10,000 a build, each a `sameLabels`). `seriesKey` is injective, so equal
   * keys are equal label sets.
   */
  findKey(this: LabelTable<T & { readonly key: string | undefined }>, hash: number, key: string): T | undefined {
    const found = this.byHash.get(hash);
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return found.key === key ? found : undefined;
    return found.find((e) => e.key === key);
  }

  /** Adds a value whose label set is not in the table. */
  add(value: T, hash = hashLabels(value.labels)): T {
    this.values.push(value);
    const found = this.byHash.get(hash);
    if (found === undefined) this.byHash.set(hash, value);
    else if (Array.isArray(found)) found.push(value);
    else this.byHash.set(hash, [found, value]);
    return value;
  }
}

/** A series being grouped: its parts are still being added. */
interface Grouping {
  labels: Readonly<Record<string, string>>;
  hash: number;
  parts: WindowPart[];
  sorted: boolean;
  /** Where its parts are, once a rollup could repeat one (undefined while starts only grew). */
  index: PartIndex | undefined;
}

/**
 * Where each part of a series being grouped is in its `parts`: by instance and start (one part
 * each), and instance-less parts by start (told apart by content). Looking a rollup up by
 * scanning the parts made grouping quadratic in a series' rollups: half the CPU of a 30-day
 * report over 144,000 rollups.
 */
class PartIndex {
  private readonly byInstance = new Map<string, Map<number, number>>();
  private readonly anonymous = new Map<number, number[]>();

  constructor(parts: readonly WindowPart[]) {
    for (let i = 0; i < parts.length; i++) this.add(parts[i]!, i);
  }

  /** Records that `parts[i]` is `p`. */
  add(p: WindowPart, i: number): void {
    if (p.instance === undefined) {
      const list = this.anonymous.get(p.start);
      if (list === undefined) this.anonymous.set(p.start, [i]);
      else list.push(i);
      return;
    }
    let byStart = this.byInstance.get(p.instance);
    if (byStart === undefined) this.byInstance.set(p.instance, (byStart = new Map()));
    byStart.set(p.start, i);
  }

  /** Where `parts` holds the part of `p`'s slot from its instance (instance-less: the same content); -1: nowhere. */
  find(parts: readonly WindowPart[], p: WindowPart): number {
    if (p.instance !== undefined) return this.byInstance.get(p.instance)?.get(p.start) ?? -1;
    for (const i of this.anonymous.get(p.start) ?? []) if (sameContent(parts[i]!, p)) return i;
    return -1;
  }
}

/**
 * Groups rollups by series, each (series, start, instance) once: a store keeps one rollup per
 * (series, start, instance), so a second copy (one store returning a rollup twice, or two reads
 * overlapping) is the same write, or with `later`, a later write that replaces the first (a
 * store's change log, in write order). Rollups without an instance (stored before instances
 * existed) are all kept from a range read; from a change log, once per content. Parts come out
 * sorted by start. Linear in the rollups: a series' parts are looked up in a {@link PartIndex}.
 */
export function groupRollups(rollups: Iterable<Rollup>, later = false): StoredSeries[] {
  const table = new LabelTable<Grouping>();
  for (const r of rollups) {
    const hash = hashLabels(r.labels);
    const g = table.find(r.labels, hash) ?? table.add({ labels: r.labels, hash, parts: [], sorted: true, index: undefined }, hash);
    const p = partOf(r);
    const last = g.parts[g.parts.length - 1];
    // While starts only grew (a store reading one instance's slots in order), no part can repeat:
    // the index is built at the first rollup that could repeat one, then kept up to date.
    if (last !== undefined && (!g.sorted || r.start <= last.start) && (r.instance !== undefined || later)) {
      g.index ??= new PartIndex(g.parts);
      const at = g.index.find(g.parts, p);
      if (at >= 0) {
        if (later) g.parts[at] = p;
        continue;
      }
    }
    if (last !== undefined && last.start > r.start) g.sorted = false;
    g.index?.add(p, g.parts.length);
    g.parts.push(p);
  }
  return table.values.map((g) => ({ labels: g.labels, hash: g.hash, key: undefined, parts: g.sorted ? g.parts : g.parts.sort((a, b) => a.start - b.start), shape: undefined }));
}

/** True when two parts hold the same data (instance-less rollups are told apart by content only). */
export function sameContent(a: WindowPart, b: WindowPart): boolean {
  return (
    a.start === b.start && a.end === b.end && a.kind === b.kind && a.count === b.count && a.sum === b.sum && a.min === b.min && a.max === b.max && a.last === b.last && a.instance === b.instance && a.hdr === b.hdr
  );
}

/** True when `parts` holds a part of slot `start` from `instance`. */
export function holds(parts: readonly WindowPart[], start: number, instance: string): boolean {
  for (let i = parts.length - 1; i >= 0; i--) {
    const p = parts[i]!;
    if (p.start === start && p.instance === instance) return true;
  }
  return false;
}
