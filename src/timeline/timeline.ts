import type { Clock } from '../core/clock.js';
import type { ResolvedTimelineOptions } from './options.js';
import { EntryTable } from './entry-table.js';
import { SampleRing, type StoredSample } from './samples.js';
import type { TimelineCounts, TimelineId, TimelineParts, TimelineSeries } from './timeline-types.js';
import { firstMarked, phaseIndex, spanOf, timeOf } from './mark-values.js';
import { MarkRefusals } from './mark-refusals.js';

export type { TimelineCounts, TimelineId, TimelineParts, TimelineSeries } from './timeline-types.js';

/** Expired entries finished per `mark` call at most: the sweep timer finishes the rest. */
const SWEEP_PER_MARK = 16;
/**
 * Marks given an `at` between two reads of the clock: such a mark of an open entry takes "now"
 * from the last read (see `seen`), and a burst of them in one event-loop turn still reads it
 * every this many.
 */
export const CLOCK_READ_EVERY = 64;

/**
 * Times entries (messages, orders, jobs) through a fixed list of phases. `mark(id, phase)`
 * records the time of a phase; the step from the previous phase (and to the next, when marks
 * arrive out of call order) goes into `<name>_phase_latency_ms{phase}`, and when the last phase
 * is marked the end-to-end duration into `<name>_latency_ms{status="complete"}` and the entry
 * counts as complete. An entry still missing its last phase after `ttl` counts as partial, at
 * what it took at least: from its earliest marked phase to when it was found expired, and at
 * least the TTL. One whose last phase comes without its first is partial too, at the span of the
 * phases it has. Both go into `<name>_latency_ms{status="partial"}`. All are ordinary metrics:
 * rolled up, stored and read fleet-wide like any other.
 *
 * Memory is bounded whatever the ids: at most `maxOpen` open entries (the oldest dropped and
 * counted past it), `maxOpen` finished ids and `maxSamples` samples. `mark` never throws outside
 * strict mode: a bad id, an unknown phase, a phase marked twice or a time out of order is
 * refused, counted (`invalid_value`) and reported on `error` as a `ValidationError` naming the
 * field ({@link MarkRefusals}).
 */
export class Timeline {
  readonly name: string;
  readonly phases: readonly string[];
  readonly options: Readonly<ResolvedTimelineOptions>;
  /** Open entries and the last `maxOpen` distinct ids to finish, one Map from id to slot or finished position. */
  private readonly entries: EntryTable;
  private readonly clock: Clock;
  /** Hot-path copies of the options: a mark reads them without going through `options`. */
  private readonly phaseList: string[];
  private readonly width: number;
  private readonly maxOpen: number;
  private readonly ttl: number;
  private readonly maxIdLength: number;
  private readonly maxClockSkew: number;
  private readonly samples: SampleRing;
  private readonly last: number;
  private readonly refusals: MarkRefusals;
  /**
   * The last reading of the clock: "now" for a mark given its `at` for an open entry (a clock
   * read costs more than the histogram observe a mark feeds). Read again by every mark without
   * `at`, every sweep (the registry's timer, every 5 s, and every report), every entry opening and
   * every {@link CLOCK_READ_EVERY}th mark with `at`; and before any decision a late reading would
   * get wrong: refusing an `at` as in the future or a mark as after a finished entry, and judging
   * an entry expired when the mark's own time is past its TTL.
   */
  private seen = Number.NEGATIVE_INFINITY;
  /** Marks with `at` left, after the one now, before the one that reads the clock (-1 on the way: this one reads it). */
  private untilRead = 0;
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
    this.maxClockSkew = options.maxClockSkew;
    this.phases = Object.freeze([...options.phases]);
    this.entries = new EntryTable(options.phases.length, options.maxOpen, options.maxSamples);
    this.samples = new SampleRing(options.maxSamples, this.entries);
    this.last = options.phases.length - 1;
    this.refusals = new MarkRefusals(name, this.phases, options.ttl, options.maxIdLength, options.maxClockSkew, parts);
  }

  /**
   * Records that entry `id` reached `phase`, now or at `at` (ms since the epoch, or a Date: the
   * time the phase happened, when it is marked later or elsewhere). Returns true when the mark
   * was kept. Never throws outside strict mode (see the class). Given `at` for an open entry,
   * it reads no clock as a rule (see {@link Timeline.seen}).
   */
  mark(id: TimelineId, phase: string, at?: number | Date): boolean {
    // Ids are usually non-empty strings of a sane length: one test for them, the rest apart.
    const key = typeof id === 'string' && id.length > 0 && id.length <= this.maxIdLength ? id : this.refusals.keyOf(id);
    if (key === undefined) return false;
    const i = phaseIndex(this.phaseList, phase);
    if (i < 0) return this.refusals.unknownPhase(phase);
    // Times (ms since the epoch) are no small integers: they stay in locals, fields and typed
    // arrays, never passed to or returned from a call (a refusal aside), which would box them.
    let t: number;
    if (at === undefined) {
      this.read();
      t = this.seen;
    } else {
      t = typeof at === 'number' ? at : timeOf(at);
      if (!Number.isFinite(t)) return this.refusals.noTime(at);
      if (--this.untilRead < 0) this.read();
      // The last reading may be behind the clock: read it before refusing a time as in the future.
      if (t > this.seen + this.maxClockSkew && (this.read(), t > this.seen + this.maxClockSkew)) return this.refusals.future(at, this.seen);
      if (t < this.seen - this.ttl) return this.refusals.old();
      // The mark's own time is past the earliest expiry of an open entry: the reading may be
      // behind the clock, and what expired is judged by the clock (one read per expiry).
      if (t >= this.nextExpiry) this.read();
    }
    const series = (this.series ??= this.parts.bind());
    if (this.seen >= this.nextExpiry) this.sweep(this.seen, SWEEP_PER_MARK);
    const entries = this.entries;
    let slot = entries.index.get(key);
    if (slot === undefined || slot < 0) {
      if (slot !== undefined) {
        // A finished id (at finished position ~slot), finished less than `ttl` ago by the clock (a
        // reading behind it must not refuse the mark): refused, unless this mark is the first
        // phase of an id reused by a new entry (the finished one had its first phase).
        const done = entries.finishedAt[~slot]! + this.ttl;
        if (done > this.seen && (i !== 0 || entries.hadFirst[~slot] === 0) && (this.read(), done > this.seen)) return this.refusals.finished(key);
      }
      // An entry opens: with `at`, read the clock (once per entry, not per mark), so that its TTL
      // runs from now and an `at` older than the TTL is refused by the clock, not a late reading.
      if (at !== undefined && (this.read(), t < this.seen - this.ttl)) return this.refusals.old();
      if (entries.openCount >= this.maxOpen) this.evictOldest();
      slot = entries.open(key, slot ?? 0);
      entries.at[slot] = this.seen;
      if (this.nextExpiry === Infinity) this.nextExpiry = this.seen + this.ttl;
    } else {
      // Open: its TTL may have run out by the mark's own time, or by the last reading (a sweep of
      // a few per mark has not reached it yet). Then it is partial, judged by the clock, and the
      // mark is refused: one add and two compares on the way.
      const expires = entries.at[slot]! + this.ttl;
      if ((expires <= t || expires <= this.seen) && this.expiredNow(slot)) return this.refusals.expired(key);
      if (!Number.isNaN(entries.times[slot * this.width + i]!)) return this.refusals.twice(phase, key);
    }
    const times = entries.times;
    const base = slot * this.width;
    // A time before a phase marked earlier in the order (or after a later one) is out of order:
    // refused, nothing recorded. Only the nearest marked phase each way needs checking.
    for (let j = i - 1; j >= 0; j--) {
      const tj = times[base + j]!;
      if (Number.isNaN(tj)) continue;
      if (t < tj) return this.refusals.before(phase, key, tj - t, j);
      break;
    }
    for (let j = i + 1; j <= this.last; j++) {
      const tj = times[base + j]!;
      if (Number.isNaN(tj)) continue;
      if (t > tj) return this.refusals.after(phase, key, t - tj, j);
      break;
    }
    times[base + i] = t;
    // Each step is recorded once, when its second end is marked, whichever end that is.
    if (i > 0 && !Number.isNaN(times[base + i - 1]!)) series.steps[i - 1]!.observe(t - times[base + i - 1]!);
    if (i < this.last && !Number.isNaN(times[base + i + 1]!)) series.steps[i]!.observe(times[base + i + 1]! - t);
    if (i === this.last) this.finish(slot);
    return true;
  }

  /**
   * Finishes, as partial, the entries open for `ttl` or longer at `now` (at most `max` of them).
   * The registry calls it on a timer and before reports, with a fresh reading of the clock;
   * `mark` calls it for a few at a time.
   */
  sweep(now: number, max = Infinity): void {
    this.seen = now;
    const ttl = this.ttl;
    const entries = this.entries;
    let done = 0;
    this.nextExpiry = Infinity;
    for (let slot = entries.oldestOpen; slot >= 0; slot = entries.oldestOpen) {
      const expires = entries.at[slot]! + ttl;
      if (expires > now) {
        this.nextExpiry = expires;
        return;
      }
      if (done++ >= max) {
        this.nextExpiry = now;
        return;
      }
      this.expire(slot);
    }
  }

  /** The most recent finished entries, newest first, optionally only those `keep` accepts. */
  recent(keep?: (sample: StoredSample) => boolean): StoredSample[] {
    return this.samples.newestFirst(keep);
  }

  /** This process's counts since the timeline was created. */
  counts(): TimelineCounts {
    return { complete: this.completeCount, partial: this.partialCount, dropped: this.droppedCount, open: this.entries.openCount };
  }

  /** Entries open now. */
  get openEntries(): number {
    return this.entries.openCount;
  }

  /** Samples kept now. */
  get retainedSamples(): number {
    return this.samples.length;
  }

  /** Reads the clock into `seen`: "now" for this mark and, until the next read, for marks given their `at`. */
  private read(): void {
    this.seen = this.clock.now();
    // The 64th mark with `at` after this reading reads again: 63 marks go by without.
    this.untilRead = CLOCK_READ_EVERY - 1;
  }

  private finish(slot: number): void {
    const entries = this.entries;
    const times = entries.times;
    const base = slot * this.width;
    const first = times[base]!;
    const complete = !Number.isNaN(first);
    // Complete: end to end. The last phase without the first: the span of the phases it has, all
    // that is known of it (when its first phase happened is not).
    entries.latency[slot] = complete ? times[base + this.last]! - first : spanOf(times, base, this.width);
    (complete ? this.series!.latency : this.series!.partialLatency).observe(entries.latency[slot]!);
    // It finished when its last phase happened, or now if the reading is ahead of that: never
    // before its own last phase (a reading behind the clock would put it there).
    const end = times[base + this.last]!;
    entries.at[slot] = end > this.seen ? end : this.seen;
    this.settle(slot, complete);
  }

  /**
   * True, after finishing it as partial, when open `slot`'s TTL has run out by a fresh reading of
   * the clock (false for a mark whose time runs ahead of the clock, within `maxClockSkew`).
   */
  private expiredNow(slot: number): boolean {
    this.read();
    if (this.entries.at[slot]! + this.ttl > this.seen) return false;
    this.expire(slot);
    return true;
  }

  /**
   * Finishes open `slot` as partial because its TTL ran out (judged at `seen`, at or past its
   * expiry). It took at least from its earliest marked phase to then, and at least the TTL: it is
   * recorded at that, so entries that never finish (an outage) land in the top band, count
   * against the compliance and move the mean, max and p95, as any slow entry does.
   */
  private expire(slot: number): void {
    const entries = this.entries;
    const waited = this.seen - firstMarked(entries.times, slot * this.width, this.width);
    // `>`, not Math.max: NaN (no phase marked, which no open entry has) gives the TTL.
    entries.latency[slot] = waited > this.ttl ? waited : this.ttl;
    this.series!.partialLatency.observe(entries.latency[slot]!);
    entries.at[slot] = this.seen;
    this.settle(slot, false);
  }

  /**
   * Counts a finished entry (its latency and when it finished written by the caller to
   * `entries.latency[slot]` and `entries.at[slot]`), moves its id to the finished ids and keeps
   * its slot as a sample (the ring frees the slot of the sample it pushes out).
   */
  private settle(slot: number, complete: boolean): void {
    if (complete) {
      this.completeCount++;
      this.series!.complete.inc();
    } else {
      this.partialCount++;
      this.series!.partial.inc();
    }
    this.entries.finish(slot);
    this.samples.add(slot, complete);
  }

  private evictOldest(): void {
    if (this.entries.openCount === 0) return;
    this.entries.evictOldest();
    this.droppedCount++;
    this.parts.evicted(1);
  }
}
