import { z } from 'zod';
import { compactionMemoryIssue, compactionOptionSchema, compactionSettings } from './storage/compaction-options.js';
import type { Clock } from './core/clock.js';
import type { Logger } from './core/diagnostics.js';
import { backoffSchema } from './core/backoff.js';
import { durationSchema, positiveDurationSchema } from './core/duration.js';
import { alertEngineOptionsSchema } from './alerts/options.js';
import { jobsOptionsSchema } from './jobs/options.js';
import type { Notifier } from './notifiers/contract.js';
import { dispatcherOptionsSchema } from './notifiers/options.js';
import { COMPACTED_INSTANCE, STORAGE_ROLES, storageRoles, type PartialStorage, type StorageAdapter, type StorageRole } from './storage/contract.js';
import { MAX_INSTANCE_ID_LENGTH } from './storage/instance.js';
import { assertStorage, withLocalRoles } from './storage/local-roles.js';
import { MemoryStorage } from './storage/memory/memory-storage.js';
import { isWellFormed } from './core/labels.js';

/** Why `v` is not a store (see `assertStorage`), worded after the option's name; undefined when it is one. */
function storageProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null) return 'must be a store: an object with a name and a close() method';
  try {
    assertStorage(v);
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/^storage /, '');
  }
}

const isLogger = (v: unknown): boolean => typeof v === 'object' && v !== null && typeof (v as Record<string, unknown>).warn === 'function';

const isNotifier = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as Record<string, unknown>).name === 'string' &&
  (v as Record<string, unknown>).name !== '' &&
  typeof (v as Record<string, unknown>).send === 'function';

const isClock = (v: unknown): boolean =>
  typeof v === 'object' &&
  v !== null &&
  ['now', 'monotonic', 'setTimeout', 'clearTimeout'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function');

/** Options of {@link createMonitor}, with every default in one place. */
export const monitorOptionsSchema = z.object({
  /** Name of the service, written on every rollup. */
  service: z.string().min(1).default('app'),
  /**
   * This process among the instances of the service, stamped on every rollup it writes: stores
   * keep one rollup per series, slot and instance, so instances never overwrite each other (see
   * docs/fleet.md). Default: unique per process (host, pid and 8 random hex digits). One you set
   * must differ between processes running at once.
   */
  instanceId: z
    .string()
    .min(1)
    .max(MAX_INSTANCE_ID_LENGTH)
    .refine((v) => isWellFormed(v) && !v.includes('\u0000'), 'must be well-formed text without U+0000')
    .refine((v) => v !== COMPACTED_INSTANCE, `"${COMPACTED_INSTANCE}" is reserved for compacted rollups (docs/storage.md)`)
    .optional(),
  /**
   * Where rollups, alert records, rules, leases and dead letters go. A store may play only some
   * of these roles (each whole): the others are kept in this process by a `MemoryStorage` (see
   * docs/storage.md). Default: a new `MemoryStorage` owned (and closed) by the monitor.
   */
  storage: z
    .custom<PartialStorage>()
    .superRefine((v, ctx) => {
      const problem = storageProblem(v);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    })
    .optional(),
  /** Source of time for every timer and timestamp; default: the system clock. */
  clock: z.custom<Clock>(isClock, 'clock must implement now, monotonic, setTimeout and clearTimeout').optional(),
  /** Throw on invalid values and labels instead of dropping and reporting them (for development). */
  strict: z.boolean().default(false),
  /**
   * Where an `error` nobody listens for is written (and a drop of accepted data nobody listens
   * for): at most one line per error code a minute, on the monitor's clock. Default `console`;
   * any object with a `warn(message)` method (pino, winston); `false` writes nothing.
   */
  logger: z.union([z.literal(false), z.custom<Logger>(isLogger, 'logger must be false or an object with a warn(message) method, such as console')]).optional(),
  flush: z
    .object({
      /** How often rollups are written (seed 002's PERFORMANCE_FLUSH_INTERVAL: 30 s). */
      interval: positiveDurationSchema.default(30_000),
      /** Rollups per storage write (seed 002's PERFORMANCE_BUFFER_SIZE: 100). */
      batchSize: z.number().int().positive().default(100),
      /** Batches written at once (default 4): one writer is bound by the store's round trip, not its work. */
      concurrency: z.number().int().min(1).max(64).default(4),
      /** Rollups kept while storage fails; past it the oldest are dropped and counted. */
      maxBuffered: z.number().int().positive().default(10_000),
      /** How long `close()` keeps retrying writes before it reports what is left as dropped. */
      closeTimeout: durationSchema.default(10_000),
      retry: backoffSchema.prefault({}),
    })
    .prefault({}),
  histogram: z
    .object({
      /** HDR significant digits: 2 keeps percentiles within 1% (reported mid-bucket, within 0.4%). */
      significantDigits: z.number().int().min(1).max(5).default(2),
      /** Length of one time slot; also the granularity of rollups. */
      slotLength: positiveDurationSchema.default(30_000),
      /**
       * Slots kept in memory per series, the open one included: 11 x 30 s holds every 5 m
       * window (ten closed slots plus the one being filled), so alert rules and `snapshot()`
       * read 5 m windows without storage.
       */
      slots: z.number().int().min(2).max(1440).default(11),
    })
    .prefault({}),
  limits: z
    .object({
      /** Series per metric before new label sets fold into one overflow series. */
      maxSeriesPerMetric: z.number().int().positive().default(1000),
      /**
       * Series of all metrics together (pulsewatch's own `pulsewatch_*` aside); past it new label
       * sets of any metric fold into that metric's overflow series.
       */
      maxTotalSeries: z.number().int().positive().default(20_000),
      /**
       * Characters of one series' label names and values together. A longer label set is refused
       * (`invalid_value`): with the series bounds it caps label memory (20,000 x 2,048 characters).
       */
      maxLabelSetLength: z.number().int().positive().default(2048),
      /** Labels in one `recordMetric` series (tags and extra fields); more are refused as invalid. */
      maxLabelsPerSeries: z.number().int().positive().default(32),
      /** Counter and histogram series idle this long are evicted; 0 keeps them forever. */
      seriesTtl: durationSchema.default(3_600_000),
      /**
       * Metric definitions per monitor (counters, gauges, histograms and the names `recordMetric`
       * defines). Past it a new definition throws a `LimitError` from `counter()`/`gauge()`/
       * `histogram()`, and a new `recordMetric` name is dropped and counted (`metric_limit`).
       */
      maxMetrics: z.number().int().positive().default(1000),
      /** Metric names `recordMetric` (and so `POST /metrics`) may define, within `maxMetrics`. */
      maxRecordedMetrics: z.number().int().positive().default(200),
      /** How far in the past a record's `timestamp` may be; older records are dropped and counted (`late`). */
      maxRecordAge: positiveDurationSchema.default(86_400_000),
      /** How far in the future a record's `timestamp` may be (clock skew); later ones are rejected as invalid. */
      maxClockSkew: durationSchema.default(300_000),
      /** Share of `flush.maxBuffered` that rollups of late records may hold: late data never displaces current data. */
      lateBufferShare: z.number().gt(0).max(1).default(0.25),
      /** Alert rules per monitor; past it `createRule` throws a `LimitError`. */
      maxRules: z.number().int().positive().default(500),
      /** Active (pending or firing) alerts per rule when a rule sets no `limit` (Prometheus' rule `limit`). */
      maxAlertsPerRule: z.number().int().positive().default(1000),
      /** Validation issues listed in one error (and one HTTP error body); the rest are counted. */
      maxIssues: z.number().int().positive().default(20),
      /** Series listed per metric in `snapshot()` and the JSON `/metrics`; the rest are counted. */
      maxSnapshotSeries: z.number().int().positive().default(100),
    })
    .prefault({}),
  /** Channels alerts are sent to; rules name them in `channels` (none named: all of them). */
  notifiers: z
    .array(z.custom<Notifier>(isNotifier, 'each notifier needs a non-empty name and a send(notification, { signal }) method'))
    .default([])
    .refine((list) => new Set(list.map((n) => n.name)).size === list.length, 'notifier names must be unique'),
  /** Delivery: per-channel timeout, retries with backoff, breaker, queue bound. */
  notifications: dispatcherOptionsSchema.prefault({}),
  /** The rule engine: evaluation interval, default cooldowns per severity, resend timing. */
  alerts: alertEngineOptionsSchema.prefault({}),
  /**
   * Rollup compaction in the store (docs/storage.md, Compaction): `false` (default) keeps every
   * slot as written; `true` merges, every 10 minutes under a store lease, what ended a day ago
   * into hours and what ended three days ago into days; or `{ tiers, interval, maxPerRun }`.
   */
  compaction: compactionOptionSchema,
  /** `monitor.jobs`: dead-letter processing, retention and the limits of the job runner (docs/jobs.md). */
  jobs: jobsOptionsSchema.optional(),
  snapshot: z
    .object({
      /** Histogram whose observations `snapshot().system` reports as response times. */
      requestMetric: z.string().default('http_request_duration_seconds'),
      /** Window of the percentiles and trends in `snapshot()`. */
      window: positiveDurationSchema.default(300_000),
    })
    .prefault({}),
}).superRefine((v, ctx) => {
  // Checked here, before any part (or a store the monitor opens) exists; the schedule checks it again.
  const settings = compactionSettings(v.compaction);
  const issue = settings === undefined ? undefined : compactionMemoryIssue(settings, v.histogram.slots * v.histogram.slotLength);
  if (issue !== undefined) ctx.addIssue({ code: 'custom', path: ['compaction', 'tiers', 0, 'after'], message: issue });
});

/** Options accepted by {@link createMonitor}; every field is optional. */
export type MonitorOptions = z.input<typeof monitorOptionsSchema>;
/** Options after defaults are applied. */
export type ResolvedMonitorOptions = z.output<typeof monitorOptionsSchema>;

/**
 * A monitor's store (`monitor.storage`): the `storage` option, or the `MemoryStorage` it created.
 * `localRoles` lists the roles a given store does not play, kept in this process (absent when
 * the store plays every role).
 */
export type MonitorStore = StorageAdapter & { readonly localRoles?: readonly StorageRole[] };

/** The store a monitor works with, and the one its `close()` closes (none for a store passed whole). */
export interface MonitorStorage {
  storage: MonitorStore;
  owned: StorageAdapter | undefined;
}

/**
 * The store of `options.storage`: one playing every role is used as is and closed by whoever
 * created it; one playing only some is completed by a `MemoryStorage` for the rest
 * (`withLocalRoles`: the monitor closes that memory store, not the given one); none gives a
 * `MemoryStorage` of the monitor's own. Creating one draws no random value and arms no timer.
 */
export function monitorStorage(given: PartialStorage | undefined, now: () => number): MonitorStorage {
  if (given === undefined) {
    const memory = new MemoryStorage({ now });
    return { storage: memory, owned: memory };
  }
  if (storageRoles(given).length === STORAGE_ROLES.length) return { storage: given as StorageAdapter, owned: undefined };
  const completed = withLocalRoles(given, new MemoryStorage({ now }));
  return { storage: completed, owned: completed };
}
