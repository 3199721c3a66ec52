/**
 * Ring spans: how far back each instance of the fleet reads histogram slots from its own memory.
 * A monitor counts the slots still in its ring from memory and skips its own stored rollups of
 * them; a compacted rollup is no instance's own, so a span compacted while some instance's ring
 * still holds slots of it would count those slots twice in that instance's reads. Every monitor
 * over a shared store publishes its ring's span under the `state` role; the compaction schedule
 * reads the largest and compacts nothing younger (docs/storage.md, Compaction).
 *
 * The state role has no overwrite and no expiry: a publication is a key stamped with its expiry
 * (`pulsewatch:ring:<instance>:<token>:<expiresAt>`), written anew every period (the previous one
 * deleted after), and read as expired by time. The token is the publisher's own: instance ids are
 * unique only within a service, so two monitors in one process may share one, and neither may
 * take or delete the other's key. A publication an instance could not delete (it died) is
 * deleted by the next reader (or publisher's start sweep) once expired past its grace.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Reporter } from '../core/diagnostics.js';
import { isPulsewatchError, StorageError } from '../core/errors.js';
import type { StateStore } from './roles.js';
import { MAX_STATE_LIMIT } from './state.js';

/** Prefix of every ring span publication's key. */
export const RING_SPAN_PREFIX = 'pulsewatch:ring:';
/** How often a monitor publishes its ring span by default (the default compaction interval). */
export const DEFAULT_RING_SPAN_PERIOD = 10 * 60_000;
/** The publishing period is the compaction interval held within these bounds, ms: a '2s' interval must not make publications expire in seconds, nor a '1d' one keep a dead instance's for days. */
export const MIN_RING_SPAN_PERIOD = 60_000;
export const MAX_RING_SPAN_PERIOD = 60 * 60_000;
/**
 * A publication is valid for this many periods: two publications may fail in a row (a store
 * briefly unreachable, a slow write) before a compactor stops seeing the instance's ring.
 */
export const RING_SPAN_VALIDITY = 3;
/** ...and for at least this long, ms, whatever the period. */
export const MIN_RING_SPAN_VALIDITY = 30 * 60_000;
/** The longest validity a publication can have, ms; a reader deletes one stamped further ahead (a hand edit). */
export const MAX_RING_SPAN_VALIDITY = RING_SPAN_VALIDITY * MAX_RING_SPAN_PERIOD;
/**
 * Readers judge expiry by their own clock: a publication counts as live this long past its
 * `expiresAt`, and only then is deleted, so clocks up to this far apart (plus validity minus a
 * period) never drop a live ring. Its future bound allows the same skew ahead.
 */
export const RING_SPAN_GRACE = 30 * 60_000;
/** A published span is held to this, ms (a hand edit of 1e15 must not stop compaction for ever). */
export const MAX_RING_SPAN = 400 * 24 * 60 * 60_000;
/** Deletes of expired or malformed publications per {@link readFleetRingSpan} (it holds the compaction lease meanwhile); the rest go at the next read. */
export const MAX_RING_SPAN_READ_DELETES = 100;
/** Deletes of the sweep each publisher makes once, after its first publication (dead instances' publications where nothing compacts). */
export const MAX_RING_SPAN_SWEEP_DELETES = 1_000;

/** One publication's value. */
export interface RingSpan {
  instance: string;
  /** Histogram slots x slot length of the instance's ring, ms. */
  span: number;
  /** Until when (ms since the epoch, on the publisher's clock) a compactor must honour it. */
  expiresAt: number;
}

/** The store calls of the state role, and a name for messages. */
type SpanStore = StateStore & { readonly name: string };

/** What a publisher needs from its monitor. */
export interface RingSpanPublisherDeps {
  /** The monitor's clock (its DeferredClock: nothing is armed before the monitor starts). */
  clock: Clock;
  store: SpanStore;
  reporter: Pick<Reporter, 'fail'>;
  /** The monitor's instance id, asked at each publication (a default id is generated on first need, never at build). */
  instance: () => string;
  /** Histogram slots x slot length, ms. */
  span: number;
  /** How often to publish, ms (default {@link DEFAULT_RING_SPAN_PERIOD}). */
  period?: number | undefined;
}

/**
 * Publishes a monitor's ring span at its start and every period after, each publication valid
 * for {@link RING_SPAN_VALIDITY} periods; withdraws it on {@link stop}. Failures go to the
 * monitor's `error` event; a permanent one (a store that refuses the state role, such as a
 * cluster worker's `primaryStorage` over a primary without it) is reported once and ends the
 * publishing.
 */
export class RingSpanPublisher {
  private timer: TimerHandle | undefined;
  private running: Promise<boolean> | undefined;
  private stopped = false;
  /** The key of the last publication stored, to delete when the next one is stored. */
  private current: string | undefined;
  private readonly period: number;
  private readonly validity: number;
  /** Whether the one sweep of dead publications was made. */
  private swept = false;
  private readonly abort = new AbortController();
  /** This publisher's part of its keys; made at the first publication (edge runtimes refuse randomness before a request). */
  private token: string | undefined;

  constructor(private readonly deps: RingSpanPublisherDeps) {
    this.period = Math.min(MAX_RING_SPAN_PERIOD, Math.max(MIN_RING_SPAN_PERIOD, deps.period ?? DEFAULT_RING_SPAN_PERIOD));
    this.validity = Math.max(MIN_RING_SPAN_VALIDITY, RING_SPAN_VALIDITY * this.period);
  }

  /** Arms the first publication (at once: on a monitor's DeferredClock, once the monitor starts). */
  start(): void {
    this.arm(0);
  }

  /** Publishes now (the timer's work); false once publishing has ended. Never rejects: failures are reported. */
  publish(): Promise<boolean> {
    return (this.running ??= this.write().finally(() => (this.running = undefined)));
  }

  /** Stops publishing and deletes the publication stored last (the ring goes with the monitor). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    // A write in flight is given up (what it stores expires by itself); the delete goes on without it.
    this.abort.abort(new StorageError('ring span publishing stopped: the monitor is closing'));
    await this.running;
    const key = this.current;
    this.current = undefined;
    if (key === undefined) return;
    try {
      await this.deps.store.deleteState(key);
    } catch (cause) {
      // It expires by itself: compaction waits at most RING_SPAN_VALIDITY periods longer.
      this.deps.reporter.fail(new StorageError(`withdrawing this monitor's ring span from "${this.deps.store.name}" storage failed; it expires by itself`, { cause }));
    }
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      return this.publish().then((again) => {
        if (again) this.arm(this.period);
      });
    }, ms);
  }

  /** Stores a new publication, then deletes the previous one. False when publishing must end. */
  private async write(): Promise<boolean> {
    const { store, clock, span } = this.deps;
    let key: string | undefined;
    try {
      const instance = this.deps.instance();
      const expiresAt = clock.now() + this.validity;
      const value: RingSpan = { instance, span, expiresAt };
      // A false put means another publisher holds this very key (a token drawn twice, or a key this
      // one stored in the same ms): never adopted, since its owner deletes it. A new token, again.
      for (let attempt = 0; key === undefined && attempt < 3; attempt++) {
        if (attempt > 0 || this.token === undefined) this.token = newToken();
        const candidate = `${RING_SPAN_PREFIX}${instance}:${this.token}:${expiresAt}`;
        if (candidate === this.current || (await store.putStateIfAbsent(candidate, value, { signal: this.abort.signal }))) key = candidate;
      }
      if (key === undefined) throw new StorageError('the store answered three fresh keys as already taken');
    } catch (cause) {
      if (this.stopped) return false;
      // The branded check (as baseline-store.ts's): a store from another copy of the package fails `instanceof`.
      const permanent = isPulsewatchError(cause) && cause.code === 'ERR_PULSEWATCH_STORAGE' && (cause as StorageError).permanent === true;
      const then = permanent ? 'this monitor stops publishing it: compaction elsewhere in the fleet cannot see its ring' : 'the next period tries again';
      this.deps.reporter.fail(new StorageError(`publishing this monitor's ring span (${span} ms) to "${store.name}" storage failed; ${then}`, { cause }));
      return !permanent;
    }
    const previous = this.current;
    this.current = key;
    if (previous !== undefined && previous !== key) {
      try {
        await store.deleteState(previous, { signal: this.abort.signal });
      } catch {
        // Harmless: it expires, and a reader deletes it then.
      }
    }
    if (!this.swept && !this.stopped) {
      this.swept = true;
      try {
        await scanRingSpans(store, clock.now(), MAX_RING_SPAN_SWEEP_DELETES, this.abort.signal);
      } catch {
        // Only housekeeping: readers delete them too.
      }
    }
    return !this.stopped;
  }
}

/** 12 random hex digits (48 bits): unique among the publishers sharing an instance id; a clash is retried. */
function newToken(): string {
  return globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 12);
}

/** What {@link readFleetRingSpan} found. */
export interface FleetRingSpan {
  /** The longest ring span among the publications not expired, ms (0 when none). */
  span: number;
  /** Expired publications deleted. */
  deleted: number;
}

/**
 * The longest ring span the fleet publishes, at `now`: the largest `span` (held to
 * {@link MAX_RING_SPAN}) among publications live at `now`, that is whose `expiresAt` plus
 * {@link RING_SPAN_GRACE} is after it. Publications past that, and malformed ones (a hand edit: a
 * value that is not a publication, a key whose expiry is not its value's, an expiry further ahead
 * than any publisher stamps) are deleted, at most {@link MAX_RING_SPAN_READ_DELETES} a call
 * (failures ignored: the next reader tries again). Rejects when the read fails: the caller must
 * then not compact, since it cannot know which slots rings still hold.
 */
export async function readFleetRingSpan(store: StateStore, now: number, options?: { signal?: AbortSignal | undefined }): Promise<FleetRingSpan> {
  const { span, deleted, read } = await scanRingSpans(store, now, MAX_RING_SPAN_READ_DELETES, options?.signal);
  if (read >= MAX_STATE_LIMIT) {
    // More publications than one read returns: the ones not read might hold a longer ring.
    throw new StorageError(`more than ${MAX_STATE_LIMIT} ring span publications under "${RING_SPAN_PREFIX}"; compaction waits until expired ones are deleted`);
  }
  return { span, deleted };
}

/** Reads every publication, takes the longest live span and deletes up to `maxDeletes` dead or malformed ones. */
async function scanRingSpans(store: StateStore, now: number, maxDeletes: number, signal: AbortSignal | undefined): Promise<FleetRingSpan & { read: number }> {
  const entries = await store.readState(RING_SPAN_PREFIX, { limit: MAX_STATE_LIMIT, signal });
  let span = 0;
  let deleted = 0;
  let tried = 0;
  for (const { key, value } of entries) {
    const v = value as Partial<RingSpan> | null;
    const wellFormed =
      typeof v === 'object' && v !== null && typeof v.expiresAt === 'number' && Number.isSafeInteger(v.expiresAt) && typeof v.span === 'number' && v.span >= 0 &&
      key.endsWith(`:${v.expiresAt}`) && v.expiresAt <= now + MAX_RING_SPAN_VALIDITY + RING_SPAN_GRACE;
    if (wellFormed && v.expiresAt! + RING_SPAN_GRACE > now) {
      span = Math.max(span, Math.min(v.span!, MAX_RING_SPAN));
      continue;
    }
    if (tried >= maxDeletes) continue;
    tried++;
    try {
      if (await store.deleteState(key, { signal })) deleted++;
    } catch {
      // Another reader's turn.
    }
  }
  return { span, deleted, read: entries.length };
}
