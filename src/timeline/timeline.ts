import type { Clock } from '../core/clock.js';
import { ValidationError } from '../core/errors.js';
import type { BoundCounter } from '../metrics/counter.js';
import type { BoundHistogram } from '../metrics/histogram.js';
import type { ResolvedTimelineOptions } from './options.js';
import { FinishedIds } from './finished-ids.js';
import { OpenTable } from './open-table.js';
import { SampleRing, type StoredSample } from './samples.js';

/** An id as `mark` accepts it: the caller's own (a message id, an order id). */
export type TimelineId = string | number;

/** The series a timeline records into, bound once at its first mark. */
export interface TimelineSeries {
  /** End-to-end duration (ms), the `<name>_latency_ms` series. */
  readonly latency: BoundHistogram;
  /** Step durations (ms), one bound series per step: `steps[i]` is phase i to phase i + 1. */
  readonly steps: readonly BoundHistogram[];
  readonly complete: BoundCounter;
  readonly partial: BoundCounter;
}

/** Where a timeline records and reports: built by the {@link TimelineRegistry}. */
export interface TimelineParts {
  readonly clock: Clock;
  /**
   * Binds the series (at the first mark, not at creation: binding starts the monitor, and a
   * timeline created at module scope must not arm timers there).
   */
  bind(): TimelineSeries;
  /** A caller's bad mark: thrown in strict mode, else reported and counted. Returns normally outside strict mode. */
  invalid(error: ValidationError): void;
  /** Open entries dropped to stay within `maxOpen`, for the registry to count. */
  evicted(count: number): void;
}

/** Expired entries finished per `mark` call at most: the sweep timer finishes the rest. */
const SWEEP_PER_MARK = 16;
/** Characters of a refused id or phase quoted in an error: a megabyte id must not make a megabyte message. */
const QUOTED = 40;

/** Counts of a timeline since it was created (this process only; reports read the fleet's). */
export interface TimelineCounts {
  complete: number;
  partial: number;
  /** Open entries dropped to stay within `maxOpen`. */
  dropped: number;
  /** Entries open now. */
  open: number;
}

/**
 * Times entries (messages, orders, jobs) through a fixed list of phases. `mark(id, phase)`
 * records the time of a phase; the step from the previous phase (and to the next, when marks
 * arrive out of call order) goes into `<name>_phase_latency_ms{phase}`, and when the last phase
 * is marked the end-to-end duration into `<name>_latency_ms` and the entry counts as complete.
 * An entry still missing its last phase after `ttl` counts as partial. Both are ordinary
 * metrics: rolled up, stored and read fleet-wide like any other.
 *
 * Memory is bounded whatever the ids: at most `maxOpen` open entries (the oldest dropped and
 * counted past it) and `maxSamples` finished ones. `mark` never throws outside strict mode: a bad
 * id, an unknown phase, a phase marked twice or a time out of order is refused, counted
 * (`invalid_value`) and reported on `error` as a {@link ValidationError} naming the field.
 */
export class Timeline {
  readonly name: string;
  readonly phases: readonly string[];
  readonly options: Readonly<ResolvedTimelineOptions>;
  private readonly open: OpenTable;
  private readonly clock: Clock;
  /** Hot-path copies of the options: a mark reads them without going through `options`. */
  private readonly phaseList: string[];
  private readonly width: number;
  private readonly maxOpen: number;
  private readonly ttl: number;
  private readonly maxIdLength: number;
  private readonly samples: SampleRing;
  /**
   * Id → open slot (>= 0) or finished-ring code (< 0), shared by the open table and the finished
   * ids: a mark looks its id up once, and an entry that finishes overwrites its value in place
   * instead of a delete in one Map and a set in another. Bounded by maxOpen open + maxOpen finished.
   */
  private readonly index = new Map<string, number>();
  /** Ids finished within a TTL: a late mark for one is refused, not a new entry (a reused id's first phase is). */
  private readonly finished: FinishedIds;
  private readonly last: number;
  /** Earliest time an open entry can expire (a lower bound: a sweep before it finds nothing). */
  private nextExpiry = Infinity;
  private completeCount = 0;
  private partialCount = 0;
  private droppedCount = 0;
  private series: TimelineSeries | undefined;

  constructor(
    name: string,
    options: Readonly<ResolvedTimelineOptions>,
    private readonly parts: TimelineParts,
  ) {
    this.name = name;
    this.options = options;
    this.clock = parts.clock;
    this.phaseList = [...options.phases];
    this.width = options.phases.length;
    this.maxOpen = options.maxOpen;
    this.ttl = options.ttl;
    this.maxIdLength = options.maxIdLength;
    this.phases = Object.freeze([...options.phases]);
    this.samples = new SampleRing(options.maxSamples, options.phases.length);
    this.open = new OpenTable(options.phases.length, options.maxOpen, this.index);
    this.finished = new FinishedIds(options.maxOpen, options.ttl, this.index);
    this.last = options.phases.length - 1;
  }

  /**
   * Records that entry `id` reached `phase`, now or at `at` (ms since the epoch, or a Date: the
   * time the phase happened, when it is marked later or elsewhere). Returns true when the mark
   * was kept. Never throws outside strict mode (see the class).
   */
  mark(id: TimelineId, phase: string, at?: number | Date): boolean {
    const now = this.clock.now();
    const key = this.keyOf(id);
    if (key === undefined) return false;
    const i = this.phaseIndex(phase);
    if (i < 0) return this.refuse('phase', `unknown phase ${quote(phase)}; the phases of "${this.name}" are ${this.phases.join(', ')}`);
    const t = at === undefined ? now : this.timeOf(at, now);
    if (t === undefined) return false;
    const series = (this.series ??= this.parts.bind());
    if (now >= this.nextExpiry) this.sweep(now, SWEEP_PER_MARK);
    const open = this.open;
    let slot = this.index.get(key);
    if (slot === undefined || slot < 0) {
      if (slot !== undefined && this.finished.late(slot, i, now)) return this.refuse('id', `${quote(key)} already finished (its last phase was marked, or its TTL ran out); a mark after that is not a new entry`);
      if (open.size >= this.maxOpen) this.evictOldest();
      slot = open.add(key, now);
      if (this.nextExpiry === Infinity) this.nextExpiry = now + this.ttl;
    } else if (!Number.isNaN(open.times[slot * this.width + i]!)) {
      return this.refuse('phase', `phase "${phase}" of id ${quote(key)} is already marked`);
    }
    const times = open.times;
    const base = slot * this.width;
    // A time before a phase marked earlier in the order (or after a later one) is out of order:
    // refused, nothing recorded. Only the nearest marked phase each way needs checking.
    for (let j = i - 1; j >= 0; j--) {
      const tj = times[base + j]!;
      if (Number.isNaN(tj)) continue;
      if (t < tj) return this.refuse('at', `phase "${phase}" of id ${quote(key)} is marked ${tj - t} ms before phase "${this.phases[j]}", which comes first`);
      break;
    }
    for (let j = i + 1; j <= this.last; j++) {
      const tj = times[base + j]!;
      if (Number.isNaN(tj)) continue;
      if (t > tj) return this.refuse('at', `phase "${phase}" of id ${quote(key)} is marked ${t - tj} ms after phase "${this.phases[j]}", which comes later`);
      break;
    }
    times[base + i] = t;
    // Each step is recorded once, when its second end is marked, whichever end that is.
    if (i > 0 && !Number.isNaN(times[base + i - 1]!)) series.steps[i - 1]!.observe(t - times[base + i - 1]!);
    if (i < this.last && !Number.isNaN(times[base + i + 1]!)) series.steps[i]!.observe(times[base + i + 1]! - t);
    if (i === this.last) this.finish(slot, now);
    return true;
  }

  /**
   * Finishes, as partial, the entries open for `ttl` or longer at `now` (at most `max` of them).
   * The registry calls it on a timer and before reports; `mark` calls it for a few at a time.
   */
  sweep(now: number, max = Infinity): void {
    const ttl = this.options.ttl;
    let done = 0;
    this.nextExpiry = Infinity;
    const open = this.open;
    for (let slot = open.oldest; slot >= 0; slot = open.oldest) {
      const expires = open.createdAt(slot) + ttl;
      if (expires > now) {
        this.nextExpiry = expires;
        return;
      }
      if (done++ >= max) {
        this.nextExpiry = now;
        return;
      }
      this.settle(open.remove(slot), slot, now, false);
    }
  }

  /** The most recent finished entries, newest first, optionally only those `keep` accepts. */
  recent(keep?: (sample: StoredSample) => boolean): StoredSample[] {
    return this.samples.newestFirst(keep);
  }

  /** This process's counts since the timeline was created. */
  counts(): TimelineCounts {
    return { complete: this.completeCount, partial: this.partialCount, dropped: this.droppedCount, open: this.open.size };
  }

  /** Entries open now. */
  get openEntries(): number {
    return this.open.size;
  }

  /** Samples kept now. */
  get retainedSamples(): number {
    return this.samples.length;
  }

  private finish(slot: number, now: number): void {
    const open = this.open;
    const key = open.remove(slot);
    const base = slot * this.width;
    const first = open.times[base]!;
    const complete = !Number.isNaN(first);
    if (complete) this.series!.latency.observe(open.times[base + this.last]! - first);
    this.settle(key, slot, now, complete);
  }

  /** Counts a finished entry and keeps it as a sample (its slot was just removed: its times are still there). */
  private settle(key: string, slot: number, now: number, complete: boolean): void {
    if (complete) {
      this.completeCount++;
      this.series!.complete.inc();
    } else {
      this.partialCount++;
      this.series!.partial.inc();
    }
    this.samples.add(key, now, complete, this.open.times, slot * this.width);
    this.finished.add(key, now, !Number.isNaN(this.open.times[slot * this.width]!));
  }

  private evictOldest(): void {
    const oldest = this.open.oldest;
    if (oldest < 0) return;
    this.index.delete(this.open.remove(oldest));
    this.droppedCount++;
    this.parts.evicted(1);
  }

  /** Index of `phase`, or -1. A scan, not a Map: at most 20 phases, and a phase literal is the same interned string as the option's. */
  private phaseIndex(phase: unknown): number {
    if (typeof phase !== 'string') return -1;
    const list = this.phaseList;
    for (let i = 0; i < list.length; i++) if (list[i] === phase) return i;
    return -1;
  }

  private keyOf(id: TimelineId): string | undefined {
    if (typeof id === 'string') {
      if (id.length === 0) return void this.refuse('id', 'must not be empty');
      if (id.length > this.maxIdLength) return void this.refuse('id', `must be at most ${this.maxIdLength} characters, got ${id.length}`);
      return id;
    }
    if (typeof id === 'number' && Number.isFinite(id)) return String(id);
    return void this.refuse('id', `must be a string or a finite number, got ${describe(id)}`);
  }

  private timeOf(at: unknown, now: number): number | undefined {
    const t = at instanceof Date ? at.getTime() : at;
    if (typeof t !== 'number' || !Number.isFinite(t)) return void this.refuse('at', `must be a time in ms since the epoch or a Date, got ${describe(at)}`);
    if (t > now + this.options.maxClockSkew) return void this.refuse('at', `is ${t - now} ms in the future (more than maxClockSkew, ${this.options.maxClockSkew} ms)`);
    if (t < now - this.options.ttl) return void this.refuse('at', `is older than the timeline's ttl (${this.options.ttl} ms)`);
    return t;
  }

  private refuse(path: 'id' | 'phase' | 'at', message: string): false {
    this.parts.invalid(new ValidationError(`timeline "${this.name}": mark: ${path}: ${message}`, [{ path, message }]));
    return false;
  }
}

function quote(value: unknown): string {
  if (typeof value !== 'string') return describe(value);
  const text = JSON.stringify(value.length > QUOTED ? value.slice(0, QUOTED) : value);
  return value.length > QUOTED ? `${text}… (${value.length} characters)` : text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return 'an invalid Date';
  return `a value of type ${typeof value}`;
}
