import { seriesKey } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import type { Pacer, SeriesOps } from './window-query-cache-pieces.js';
import { DECODED, END, F, KeptSeries, R, START } from './window-query-columns.js';
import { seriesIdOf } from './window-query-ids.js';
import { groupRollups, hashLabels, LabelTable, sameContent } from './window-query-series.js';

// A snapshot's stored rollups as columns (one `KeptSeries` a series: its numbers in one
// Float64Array outside the JS heap), not one part object a rollup. A process's first snapshot
// of 5,000 series grouped 50,000 parts (about 11 MB with their heap numbers) that lived through
// the whole call: every scavenge met meanwhile copied them, and those scavenges were its longest
// blocks of the event loop (bench/snapshot-first-probe.ts). Each function here gives what its
// object counterpart in window-query-cache.ts and window-query-series.ts gives, row for row and
// in the same order; a series is never changed once built (a change builds a new one).

/** A `StoredRollupCache` of columns (its `columns` option): every series it holds is a `KeptSeries`. */
export const COLUMNS: SeriesOps = {
  group: (rollups, later, pacer) => groupInColumns(rollups, later, pacer),
  apply: (cached, rollups, from, pacer) => applyRows(cached as readonly KeptSeries[], rollups, from, pacer),
  prune: (st, from, upTo) => pruneRows(st as KeptSeries, from, upTo),
  upsert: (st, written) => upsertRows(st as KeptSeries, written as KeptSeries, -Infinity),
  size: (st) => (st as KeptSeries).n,
};

/** One series' rollups while they are sorted out: a chain through `next` in read order. */
interface Bucket {
  readonly labels: Readonly<Record<string, string>>;
  readonly hash: number;
  first: number;
  last: number;
  count: number;
  /** True while each rollup started at or after the one before. */
  ordered: boolean;
  lastStart: number;
}

/**
 * `groupRollups(rollups, later)` as columns, in pieces of `pacer`: the same series in the same
 * order (that of their first rollup), each with the same parts in the same order. A series whose
 * rollups come in order of start and repeat no (start, instance) (what a store's range read and
 * a change log give) is written as it comes; any other is grouped by `groupRollups` on its own
 * rollups (a series is grouped apart from the others there) and written from its parts.
 */
export async function groupInColumns(rollups: readonly Rollup[], later: boolean, pacer: Pacer): Promise<KeptSeries[]> {
  const { buckets, next } = await bucketed(rollups, pacer);
  const out: KeptSeries[] = [];
  for (let k = 0; k < buckets.length; k++) {
    const b = buckets[k]!;
    out.push(built(b, rollups, next, later));
    if (pacer.charge(b.count)) await pacer.pause();
  }
  return out;
}

/** `rollups` sorted out by series (in pieces of `pacer`): the series in the order of their first rollup, each a chain through `next`. */
async function bucketed(rollups: readonly Rollup[], pacer: Pacer): Promise<{ buckets: Bucket[]; table: LabelTable<Bucket>; next: Int32Array }> {
  const next = new Int32Array(rollups.length).fill(-1);
  const table = new LabelTable<Bucket>();
  // A store's frozen labels object stands for its series: one lookup by identity, not a hash of
  // the label pairs per rollup.
  const byObject = new Map<object, Bucket>();
  for (let i = 0; i < rollups.length; i++) {
    const r = rollups[i]!;
    let b = byObject.get(r.labels);
    if (b === undefined) {
      const hash = hashLabels(r.labels);
      b = table.find(r.labels, hash);
      if (b === undefined) b = table.add({ labels: r.labels, hash, first: i, last: -1, count: 0, ordered: true, lastStart: -Infinity }, hash);
      if (Object.isFrozen(r.labels)) byObject.set(r.labels, b);
    }
    if (b.last >= 0) next[b.last] = i;
    b.last = i;
    b.count++;
    if (r.start < b.lastStart) b.ordered = false;
    b.lastStart = r.start;
    if (pacer.charge()) await pacer.pause();
  }
  return { buckets: table.values, table, next };
}

/** The series of bucket `b`, as `groupRollups` groups its rollups. */
function built(b: Bucket, rollups: readonly Rollup[], next: Int32Array, later: boolean): KeptSeries {
  return (b.ordered && plain(b, rollups, next, later) ? inOrder(b, rollups, next) : undefined) ?? regrouped(b, rollups, next, later);
}

/** Rollups of one start past which {@link plain} looks instances up in a set, not by a scan of the start's rollups. */
const SCAN_RUN = 16;

/**
 * True when `groupRollups` keeps every rollup of bucket `b` (in order of start) as it comes: none
 * repeats the (start, instance) of one before it, and (from a change log, `later`) none without an
 * instance shares its start with one before it (told apart by content there). A rollup is looked
 * for among those of its start only, which come just before it: by a scan while they are few, in a
 * set past {@link SCAN_RUN} (a scan each was quadratic in a slot's writers: one series 2,000
 * instances write took 200 ms in one stretch, against 6-37 ms for `groupRollups`).
 */
function plain(b: Bucket, rollups: readonly Rollup[], next: Int32Array, later: boolean): boolean {
  let run = b.first;
  let length = 1;
  let seen: Set<string> | undefined;
  for (let i = next[b.first]!; i >= 0; i = next[i]!) {
    const r = rollups[i]!;
    if (r.start !== rollups[run]!.start) {
      run = i;
      length = 1;
      seen = undefined;
      continue;
    }
    length++;
    if (r.instance === undefined) {
      if (later) return false;
      continue;
    }
    if (seen !== undefined) {
      if (seen.has(r.instance)) return false;
      seen.add(r.instance);
      continue;
    }
    for (let k = run; k !== i; k = next[k]!) if (rollups[k]!.instance === r.instance) return false;
    if (length < SCAN_RUN) continue;
    seen = new Set();
    for (let k = run; ; k = next[k]!) {
      const instance = rollups[k]!.instance;
      if (instance !== undefined) seen.add(instance);
      if (k === i) break;
    }
  }
  return true;
}

/** The `seriesKey` of a label set: kept per labels object when it is frozen (a store's own, read again at each snapshot). */
function keyOf(labels: Readonly<Record<string, string>>): string {
  return Object.isFrozen(labels) ? seriesIdOf(labels).key : seriesKey(labels);
}

/** The series of bucket `b` whose rollups are all kept as they come (see {@link plain}). */
function inOrder(b: Bucket, rollups: readonly Rollup[], next: Int32Array): KeptSeries {
  const s = new KeptSeries(b.labels, b.hash, keyOf(b.labels), b.count);
  for (let i = b.first; i >= 0; i = next[i]!) s.insert(s.n, rollups[i]!);
  return s;
}

/** The series of bucket `b` grouped by `groupRollups` (the rare series out of order or with a part repeated). */
function regrouped(b: Bucket, rollups: readonly Rollup[], next: Int32Array, later: boolean): KeptSeries {
  const own: Rollup[] = [];
  for (let i = b.first; i >= 0; i = next[i]!) own.push(rollups[i]!);
  const parts = groupRollups(own, later)[0]!.parts;
  const s = new KeptSeries(b.labels, b.hash, keyOf(b.labels), parts.length);
  for (let i = 0; i < parts.length; i++) s.insert(s.n, parts[i]!);
  return s;
}

/** A new empty series of `like`'s labels (a series' identity is its label set: its labels, hash and key are carried). */
function emptyLike(like: KeptSeries, capacity: number): KeptSeries {
  const s = new KeptSeries(like.labels, like.hash, like.key, capacity);
  s.memoDigits = like.memoDigits;
  s.memoResolution = like.memoResolution;
  return s;
}

/** Appends row `i` of `from` to `to` (its decoded counts too when both are of the same scale). */
function copyRow(from: KeptSeries, i: number, to: KeptSeries): void {
  const a = from.cols;
  const b = to.cols;
  const o = i * F;
  const w = to.n * F;
  for (let k = 0; k < F; k++) b[w + k] = a[o + k]!;
  const sameScale = from.memoDigits === to.memoDigits && from.memoResolution === to.memoResolution;
  for (let k = 0; k < R; k++) to.refs[to.n * R + k] = k === DECODED && !sameScale ? undefined : from.refs[i * R + k];
  to.n++;
}

/**
 * `prune(parts, from, upTo)` on columns: the rows that end within (from, upTo]; `st` itself when
 * all do (only the oldest rows can have ended by `from` when `upTo` is Infinity).
 */
export function pruneRows(st: KeptSeries, from: number, upTo: number): KeptSeries {
  const c = st.cols;
  let stale = false;
  if (upTo === Infinity) {
    // Only rows starting at or before `from` can have ended by then (see `prune` in window-query-cache.ts).
    for (let i = 0; i < st.n && c[i * F + START]! <= from; i++) if (c[i * F + END]! <= from) stale = true;
  } else for (let i = 0; i < st.n; i++) if (c[i * F + END]! <= from || c[i * F + END]! > upTo) stale = true;
  if (!stale) return st;
  const out = emptyLike(st, st.n);
  for (let i = 0; i < st.n; i++) if (c[i * F + END]! > from && c[i * F + END]! <= upTo) copyRow(st, i, out);
  return out;
}

/** True when a row of `written` replaces row `i` of `st`: of its start and instance, or (without an instance) of its content. */
function replaced(written: KeptSeries, st: KeptSeries, i: number): boolean {
  const instance = st.instanceAt(i);
  if (instance === undefined) {
    const p = st.part(i);
    for (let j = 0; j < written.n; j++) if (sameContent(written.part(j), p)) return true;
    return false;
  }
  const start = st.cols[i * F + START]!;
  for (let j = written.n - 1; j >= 0; j--) if (written.cols[j * F + START] === start && written.instanceAt(j) === instance) return true;
  return false;
}

/**
 * `upsertAfter(st.parts, written.parts, from)` on columns (`upsert` with `from` -Infinity): the
 * rows of `st` that end after `from` and that `written` does not replace, then those of
 * `written`, sorted by start (a stable sort: only when a kept row starts after the first written
 * one). `st` itself when `written` holds none and none ended. A new series carries `st`'s labels.
 */
export function upsertRows(st: KeptSeries, written: KeptSeries, from: number): KeptSeries {
  if (written.n === 0) return pruneRows(st, from, Infinity);
  const out = emptyLike(st, st.n + written.n);
  const c = st.cols;
  for (let i = 0; i < st.n; i++) if (c[i * F + END]! > from && !replaced(written, st, i)) copyRow(st, i, out);
  const sorted = out.n === 0 || out.cols[(out.n - 1) * F + START]! <= written.cols[START]!;
  for (let j = 0; j < written.n; j++) copyRow(written, j, out);
  return sorted ? out : sortedByStart(out);
}

/** `s`'s rows in a stable sort by start (a new series). */
function sortedByStart(s: KeptSeries): KeptSeries {
  const order = Array.from({ length: s.n }, (_, i) => i).sort((a, b) => s.cols[a * F + START]! - s.cols[b * F + START]!);
  const out = emptyLike(s, s.n);
  for (let k = 0; k < order.length; k++) copyRow(s, order[k]!, out);
  return out;
}

/**
 * The cache's `apply` on columns, from the change log's rollups as read (`later`): `cached` with
 * the rollups of each of its series written into it (`upsertRows` of the series `groupRollups`
 * makes of them, its parts that ended by `from` dropped first) and every part that ended at or
 * before `from` dropped, then the series only the log holds; series left without parts go.
 * `cached` itself when nothing was written and nothing ended. A series the log names is merged
 * from its rollups directly when they are kept as they come (see {@link plain}): after a slot
 * closed every series got one, and a series of columns made of each first was 5,000 more.
 */
export async function applyRows(cached: readonly KeptSeries[], rollups: readonly Rollup[], from: number, pacer: Pacer): Promise<readonly KeptSeries[]> {
  if (rollups.length === 0 && cached.every((st) => pruneRows(st, from, Infinity) === st)) return cached;
  const { buckets, table, next } = await bucketed(rollups, pacer);
  const used = new Set<Bucket>();
  const out: KeptSeries[] = [];
  for (let i = 0; i < cached.length; i++) {
    const st = cached[i]!;
    if (pacer.charge()) await pacer.pause();
    const b = table.find(st.labels, st.hash);
    let merged: KeptSeries;
    if (b === undefined) merged = pruneRows(st, from, Infinity);
    else {
      used.add(b);
      merged = b.ordered && plain(b, rollups, next, true) ? mergedFrom(st, b, rollups, next, from) : upsertRows(st, pruneRows(regrouped(b, rollups, next, true), from, Infinity), from);
    }
    if (merged.n > 0) out.push(merged);
  }
  for (let k = 0; k < buckets.length; k++) {
    const b = buckets[k]!;
    if (pacer.charge(b.count)) await pacer.pause();
    if (used.has(b)) continue;
    const merged = pruneRows(built(b, rollups, next, true), from, Infinity);
    if (merged.n > 0) out.push(merged);
  }
  return out;
}

/**
 * `upsertRows(st, written, from)` where `written` is bucket `b`'s series (its rollups as they
 * come: see {@link plain}) without its parts that ended by `from`, read from the rollups.
 */
function mergedFrom(st: KeptSeries, b: Bucket, rollups: readonly Rollup[], next: Int32Array, from: number): KeptSeries {
  // As `pruneRows`: the rollups are dropped by their end only when one that starts at or before `from` ended by then.
  let cut = -Infinity;
  for (let i = b.first; i >= 0 && rollups[i]!.start <= from; i = next[i]!) if (rollups[i]!.end <= from) cut = from;
  let first = -1;
  for (let i = b.first; i >= 0 && first < 0; i = next[i]!) if (rollups[i]!.end > cut) first = i;
  if (first < 0) return pruneRows(st, from, Infinity);
  const out = emptyLike(st, st.n + b.count);
  const c = st.cols;
  for (let i = 0; i < st.n; i++) if (c[i * F + END]! > from && !writtenOver(rollups, next, first, cut, st, i)) copyRow(st, i, out);
  const sorted = out.n === 0 || out.cols[(out.n - 1) * F + START]! <= rollups[first]!.start;
  for (let i = first; i >= 0; i = next[i]!) if (rollups[i]!.end > cut) out.insert(out.n, rollups[i]!);
  return sorted ? out : sortedByStart(out);
}

/** {@link replaced} with the rollups of a chain from `first` (those that end after `cut`) as the written series. */
function writtenOver(rollups: readonly Rollup[], next: Int32Array, first: number, cut: number, st: KeptSeries, i: number): boolean {
  const instance = st.instanceAt(i);
  const start = st.cols[i * F + START]!;
  const p = instance === undefined ? st.part(i) : undefined;
  for (let k = first; k >= 0; k = next[k]!) {
    const r = rollups[k]!;
    if (r.end <= cut) continue;
    if (p === undefined ? r.start === start && r.instance === instance : sameContent(r, p)) return true;
  }
  return false;
}
