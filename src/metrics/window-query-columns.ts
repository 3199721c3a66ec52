import type { MetricKind } from '../storage/contract.js';
import type { HistogramSlot } from './histogram-slot.js';
import { COUNT, DECODED, END, F, FLAGS, HAS_LAST, HAS_RESOLUTION, HDR, INSTANCE, KIND, LAST, MAX, MIN, R, RESOLUTION, START, SUM, type ColumnPart, type PartFields } from './window-query-column-layout.js';

export { COUNT, DECODED, END, F, FLAGS, LAST, MAX, MIN, R, RESOLUTION, START, SUM, type ColumnPart, type PartFields } from './window-query-column-layout.js';

// The parts of a series the rule engine keeps between ticks, as numeric columns: one Float64Array
// of F numbers a part and one array of R references a part. As objects (one per rollup, its five
// floats each a heap number of its own) a series with a full 5-minute window held ~2.7 KB and a
// rule's pass over its parts followed about six pointers a part; here a part is 72 bytes in one
// block and 32 bytes of references (the layout: window-query-column-layout.ts). This module imports
// no other window-query module but that one: the window (window-query-window.ts), the build and
// the kept store read it.

/** The shape facts a window build learns of a stored series (window-query-series.ts' `SeriesShape`). */
interface Shape {
  readonly kind: MetricKind | null;
  readonly resolution: number | undefined;
  readonly resolutionAt: number;
}

const NO_SLOTS: readonly HistogramSlot[] = Object.freeze([]);

/**
 * One stored series kept between ticks with a stable identity, its parts in columns, sorted by
 * start, each (start, instance) once. It is both a stored series (what `buildWindow` merges) and
 * a window series (what a window holds): a series nothing of this process touches enters the
 * window as this object. `parts` builds part objects on each read, for the readers that take
 * parts one by one; the rules' loops (window stats, covered time, a counter's increase) read the
 * columns. Written in place by its `KeptRollups` at the next read of its metric: a window holding
 * it is read before that (the rule engine's ticks do not overlap).
 */
export class KeptSeries {
  readonly current = undefined;
  readonly slots: readonly HistogramSlot[] = NO_SLOTS;
  /** Parts held. */
  n = 0;
  /** Changes whenever a part is written, replaced or dropped (a window build keeps what it made of the series while it holds). */
  version = 0;
  cols: Float64Array;
  refs: unknown[];
  private known: Shape | undefined;
  /** The last pass of its `KeptRollups` that pruned it (see window-query-kept.ts' `apply`); 0: none. */
  prunedAt = 0;
  /** The layout digits and resolution the decoded counts in `refs` are for (a window of another scale drops them). */
  memoDigits = -1;
  memoResolution = -1;
  /** Set once it held a part ending at or before its start (see {@link prune}); never cleared. */
  private flat = false;

  constructor(
    readonly labels: Readonly<Record<string, string>>,
    readonly hash: number,
    public key: string,
    capacity: number,
  ) {
    this.cols = new Float64Array(Math.max(1, capacity) * F);
    this.refs = new Array<unknown>(Math.max(1, capacity) * R).fill(undefined);
  }

  /** The parts as objects (new ones at each read). */
  get parts(): ColumnPart[] {
    const out: ColumnPart[] = [];
    for (let i = 0; i < this.n; i++) out.push(this.part(i));
    return out;
  }

  /** Part `i` as an object. */
  part(i: number): ColumnPart {
    const c = this.cols;
    const o = i * F;
    const flags = c[o + FLAGS]!;
    return {
      kind: this.refs[i * R + KIND] as MetricKind,
      start: c[o + START]!,
      end: c[o + END]!,
      count: c[o + COUNT]!,
      sum: c[o + SUM]!,
      min: c[o + MIN]!,
      max: c[o + MAX]!,
      last: (flags & HAS_LAST) !== 0 ? c[o + LAST]! : undefined,
      instance: this.refs[i * R + INSTANCE] as string | undefined,
      hdr: this.refs[i * R + HDR] as string | undefined,
      resolution: (flags & HAS_RESOLUTION) !== 0 ? c[o + RESOLUTION]! : undefined,
      decoded: undefined,
    };
  }

  kindAt(i: number): MetricKind {
    return this.refs[i * R + KIND] as MetricKind;
  }

  instanceAt(i: number): string | undefined {
    return this.refs[i * R + INSTANCE] as string | undefined;
  }

  hdrAt(i: number): string | undefined {
    return this.refs[i * R + HDR] as string | undefined;
  }

  resolutionAt(i: number): number | undefined {
    const o = i * F;
    return (this.cols[o + FLAGS]! & HAS_RESOLUTION) !== 0 ? this.cols[o + RESOLUTION] : undefined;
  }

  /** What the window build learns once (see `shapeOf`), computed from the columns until the parts change. */
  get shape(): Shape {
    if (this.known !== undefined) return this.known;
    let kind: MetricKind | null | undefined;
    let resolution: number | undefined;
    let resolutionAt = -Infinity;
    const c = this.cols;
    for (let i = 0; i < this.n; i++) {
      const o = i * F;
      const k = this.kindAt(i);
      if (kind === undefined) kind = k;
      else if (kind !== k) kind = null;
      if (c[o + END]! < c[o + START]!) kind = null;
      if ((c[o + FLAGS]! & HAS_RESOLUTION) !== 0 && c[o + START]! >= resolutionAt) {
        resolution = c[o + RESOLUTION]!;
        resolutionAt = c[o + START]!;
      }
    }
    return (this.known = { kind: kind ?? null, resolution, resolutionAt });
  }

  set shape(_value: Shape | undefined) {
    // `shapeOf` stores what it computed: the getter keeps its own.
  }

  /**
   * Writes rollup `r` in: the part of the same start and instance is replaced, a part without an
   * instance replaces every part of the same content; the new part goes after the parts of its
   * start or earlier (the order `StoredRollupCache` keeps).
   */
  upsert(r: PartFields): void {
    const c = this.cols;
    // Parts are sorted by start and a replaced part has r's start: the scan stops at the first
    // part that starts earlier (a slot 50 writers write scans 50 parts, not the whole window).
    for (let i = this.n - 1; i >= 0 && c[i * F + START]! >= r.start; i--) {
      const o = i * F;
      if (r.instance !== undefined ? c[o + START] === r.start && this.refs[i * R + INSTANCE] === r.instance : this.same(i, r)) {
        this.remove(i);
        if (r.instance !== undefined) break;
      }
    }
    let at = this.n;
    while (at > 0 && this.cols[(at - 1) * F + START]! > r.start) at--;
    this.insert(at, r);
  }

  /**
   * Drops the parts that ended at or before `from`; true when any was. Only the oldest parts
   * (starting before `from`) can have, and one of no length starting at `from` (a slot closed
   * the instant it opened): the parts starting at `from` are looked at only in a series that
   * ever held one (`flat`), at no cost to the others.
   */
  prune(from: number): boolean {
    const c = this.cols;
    let stale = false;
    for (let i = 0; i < this.n && (c[i * F + START]! < from || (this.flat && c[i * F + START] === from)); i++) if (c[i * F + END]! <= from) stale = true;
    if (!stale) return false;
    this.version++;
    // Most often the stale parts are the oldest ones, before every kept one (a part ends after
    // those that start before it): one move of the block, not one per part.
    let lead = 0;
    while (lead < this.n && c[lead * F + END]! <= from) lead++;
    let rest = lead;
    while (rest < this.n && c[rest * F + END]! > from) rest++;
    if (rest === this.n) {
      // The shape holds for what is left when it had one kind and its resolution came from a
      // part that stays (every dropped part starts earlier): the oldest parts expire at every
      // slot, and each series' shape was computed again at its next window build.
      const known = this.known;
      if (known === undefined || known.kind === null || lead === this.n || (known.resolutionAt !== -Infinity && c[(lead - 1) * F + START]! >= known.resolutionAt)) this.known = undefined;
      c.copyWithin(0, lead * F, this.n * F);
      moveRefs(this.refs, 0, lead * R, this.n * R);
      this.n -= lead;
      for (let k = this.n * R; k < (this.n + lead) * R; k++) this.refs[k] = undefined;
      return true;
    }
    let w = 0;
    for (let i = 0; i < this.n; i++) {
      if (c[i * F + END]! <= from) continue;
      if (w !== i) {
        c.copyWithin(w * F, i * F, i * F + F);
        for (let k = 0; k < R; k++) this.refs[w * R + k] = this.refs[i * R + k];
      }
      w++;
    }
    for (let k = w * R; k < this.n * R; k++) this.refs[k] = undefined;
    this.n = w;
    this.known = undefined;
    return true;
  }

  /** Bytes its columns and references hold (for the memory figures). */
  get bytes(): number {
    return this.cols.byteLength + this.refs.length * 8;
  }

  private same(i: number, r: PartFields): boolean {
    const c = this.cols;
    const o = i * F;
    const flags = c[o + FLAGS]!;
    return (
      c[o + START] === r.start &&
      c[o + END] === r.end &&
      this.refs[i * R + KIND] === r.kind &&
      c[o + COUNT] === r.count &&
      c[o + SUM] === r.sum &&
      c[o + MIN] === r.min &&
      c[o + MAX] === r.max &&
      ((flags & HAS_LAST) !== 0 ? c[o + LAST] === r.last : r.last === undefined) &&
      this.refs[i * R + INSTANCE] === r.instance &&
      this.refs[i * R + HDR] === r.hdr
    );
  }

  private remove(i: number): void {
    this.version++;
    this.known = undefined;
    this.cols.copyWithin(i * F, (i + 1) * F, this.n * F);
    moveRefs(this.refs, i * R, (i + 1) * R, this.n * R);
    this.n--;
    for (let k = 0; k < R; k++) this.refs[this.n * R + k] = undefined;
  }

  /** Inserts `r` as part `at`. */
  insert(at: number, r: PartFields): void {
    this.version++;
    if (r.end <= r.start) this.flat = true;
    this.known = this.shapeWith(at, r);
    if ((this.n + 1) * F > this.cols.length) {
      // A series of a steady writer holds about the same number of parts from tick to tick and
      // seldom grows; one many instances write gets a part per writer each slot (50 writers: 50
      // parts a tick), which growing by a few parts copied ~12 times a tick. Half again (at
      // least 4 more) copies once or twice and holds at most a third spare.
      const capacity = Math.max(this.n + 4, Math.ceil(this.n * 1.5));
      const cols = new Float64Array(capacity * F);
      cols.set(this.cols.subarray(0, this.n * F));
      this.cols = cols;
      const refs = new Array<unknown>(capacity * R).fill(undefined);
      for (let k = 0; k < this.n * R; k++) refs[k] = this.refs[k];
      this.refs = refs;
    }
    const c = this.cols;
    if (at < this.n) {
      c.copyWithin((at + 1) * F, at * F, this.n * F);
      moveRefs(this.refs, (at + 1) * R, at * R, this.n * R);
    }
    const o = at * F;
    c[o + START] = r.start;
    c[o + END] = r.end;
    c[o + COUNT] = r.count;
    c[o + SUM] = r.sum;
    c[o + MIN] = r.min;
    c[o + MAX] = r.max;
    c[o + LAST] = r.last ?? 0;
    c[o + RESOLUTION] = r.resolution ?? 0;
    c[o + FLAGS] = (r.last !== undefined ? HAS_LAST : 0) | (r.resolution !== undefined ? HAS_RESOLUTION : 0);
    this.refs[at * R + INSTANCE] = r.instance;
    this.refs[at * R + HDR] = r.hdr;
    this.refs[at * R + DECODED] = undefined;
    this.refs[at * R + KIND] = r.kind;
    this.n++;
  }

  /**
   * The shape once `r` is inserted at `at`, from the one known (undefined: computed at the next
   * read): when every part after `at` starts later, `r` is the last part of its start in order,
   * so it holds the resolution when it carries one and no later start does (see {@link shape}).
   */
  private shapeWith(at: number, r: PartFields): Shape | undefined {
    const known = this.known;
    if (known === undefined || this.n === 0 || (at < this.n && this.cols[at * F + START]! <= r.start)) return undefined;
    const kind = known.kind === r.kind && r.end >= r.start ? known.kind : null;
    if (r.resolution !== undefined && r.start >= known.resolutionAt) return { kind, resolution: r.resolution, resolutionAt: r.start };
    return kind === known.kind ? known : { kind, resolution: known.resolution, resolutionAt: known.resolutionAt };
  }
}

/**
 * `refs.copyWithin(to, from, end)` as a plain loop: on an array of references V8's
 * `copyWithin` takes its generic path (a property lookup per element), 2.4 µs for a 10-part
 * series against 0.06 µs here, and every kept series moves its references once a slot when its
 * oldest part expires: 10,000 series spent ~10 ms of a slot-closing tick in it (fleet bench).
 */
function moveRefs(refs: unknown[], to: number, from: number, end: number): void {
  if (to < from) for (let i = from; i < end; i++) refs[to + i - from] = refs[i];
  else for (let i = end - 1; i >= from; i--) refs[to + i - from] = refs[i];
}

/** True for a series held in columns (a {@link KeptSeries}). */
export function isKept(s: object): s is KeptSeries {
  return s instanceof KeptSeries;
}
