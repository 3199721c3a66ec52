import type { MessagePort } from 'node:worker_threads';
import { z } from 'zod';
import type { Clock } from '../core/clock.js';
import { positiveDurationSchema } from '../core/duration.js';
import { isValidLabelName } from '../core/labels.js';

const clockSchema = z.custom<Clock>(
  (v) => typeof v === 'object' && v !== null && ['now', 'monotonic', 'setTimeout', 'clearTimeout'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function'),
  'clock must implement now, monotonic, setTimeout and clearTimeout',
);
const portSchema = z.custom<MessagePort>(
  (v) => typeof v === 'object' && v !== null && typeof (v as { postMessage?: unknown }).postMessage === 'function' && typeof (v as { on?: unknown }).on === 'function',
  'port must be a MessagePort',
);
const gaugeMergeSchema = z.enum(['sum', 'min', 'max', 'per-worker']);
/** 16 MiB: a state of 100,000 histogram series with the default buckets is about 12 MB of JSON. */
const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const positiveInt = z.number().int().positive();

/** Options of {@link attachWorkers}, with every default in one place. */
export const attachWorkersOptionsSchema = z
  .object({
    /** How long a scrape waits for each worker's state; a worker past it is counted and its last state used. */
    timeout: positiveDurationSchema.default(2_000),
    /** How long `getAggregatedMetrics` waits for each worker to write its open slot. */
    flushTimeout: positiveDurationSchema.default(5_000),
    /** Attach every `cluster` worker, forked now or later (when this process is a cluster primary). */
    cluster: z.boolean().default(true),
    /** How gauges of several workers merge (see docs/cluster.md): `sum`, `min`, `max` or `per-worker`. */
    gauges: gaugeMergeSchema.default('sum'),
    /** Per-gauge exceptions to `gauges`, by metric name. */
    gaugeMerge: z.record(z.string(), gaugeMergeSchema).default({}),
    /** The label naming the process of a `per-worker` gauge series (`primary` for the primary's own). */
    workerLabel: z.string().refine(isValidLabelName, 'workerLabel must be a valid label name').default('worker'),
    /** Workers attached at once; past it a new one is not attached (counted, reported). */
    maxWorkers: positiveInt.default(256),
    /** Characters of one message body; a longer one is dropped unread (counted, reported). */
    maxMessageBytes: positiveInt.default(DEFAULT_MAX_MESSAGE_BYTES),
    /** Metric families in one worker's state. */
    maxFamilies: positiveInt.default(2_000),
    /** Series in one worker's state, all families together. */
    maxSeries: positiveInt.default(100_000),
    /** Labels of one series. */
    maxLabels: positiveInt.default(64),
    /** Characters of one label value. */
    maxLabelValueLength: positiveInt.default(16_384),
    /** Bucket bounds of one histogram. */
    maxBuckets: positiveInt.default(1_000),
    /** Rollups in one write a worker sends. */
    maxRollupsPerMessage: positiveInt.default(10_000),
    /** Storage calls of one worker served at once; past it a call is refused as busy (the worker's recorder retries). */
    maxStorageCalls: positiveInt.default(64),
    /**
     * Counter and histogram series kept from exited workers, so that merged totals never go down
     * (a drop reads as a counter reset to Prometheus). Past it, an exiting worker's series are
     * forgotten (counted).
     */
    maxRetiredSeries: z.number().int().min(0).default(10_000),
    /** The clock of the timeouts (default: the monitor's). */
    clock: clockSchema.optional(),
  })
  .strict();

/** Options of {@link attachWorkers} as callers pass them (every field has a default). */
export type AttachWorkersOptions = z.input<typeof attachWorkersOptionsSchema>;
/** Options of {@link attachWorkers} with defaults applied. */
export type ResolvedAttachWorkersOptions = z.output<typeof attachWorkersOptionsSchema>;

/** Options of {@link reportToPrimary}. */
export const reportToPrimaryOptionsSchema = z
  .object({
    /** The channel to the primary (default: `parentPort` in a worker thread, else the process's IPC channel). */
    port: portSchema.optional(),
    /** Characters of one answer; a larger state is not sent (the primary is told why). Match the primary's. */
    maxMessageBytes: positiveInt.default(DEFAULT_MAX_MESSAGE_BYTES),
  })
  .strict();

/** Options of {@link reportToPrimary} as callers pass them. */
export type ReportToPrimaryOptions = z.input<typeof reportToPrimaryOptionsSchema>;

/** Options of {@link primaryStorage}. */
export const primaryStorageOptionsSchema = z
  .object({
    /** The channel to the primary (default: `parentPort` in a worker thread, else the process's IPC channel). */
    port: portSchema.optional(),
    /** How long a call waits for the primary's answer; then it fails as a transient StorageError (the recorder retries). */
    timeout: positiveDurationSchema.default(10_000),
    /** Calls waiting for an answer at once; past it a call fails at once as a transient StorageError. */
    maxPending: positiveInt.default(1_000),
    /** Characters of one call; a larger one fails as a permanent StorageError (the recorder splits the batch). */
    maxMessageBytes: positiveInt.default(DEFAULT_MAX_MESSAGE_BYTES),
    /** The clock of the timeouts: pass the monitor's (default: the system clock). */
    clock: clockSchema.optional(),
  })
  .strict();

/** Options of {@link primaryStorage} as callers pass them. */
export type PrimaryStorageOptions = z.input<typeof primaryStorageOptionsSchema>;
