import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from './records.js';

/** The kind of metric a rollup summarises. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/**
 * One series over one time slot: what the recorder writes to storage.
 * For counters `sum` is the amount added in the slot; for gauges `last` is the value at its end.
 */
export interface Rollup {
  name: string;
  kind: MetricKind;
  labels: Readonly<Record<string, string>>;
  /** Slot start, ms since the epoch (inclusive). */
  start: number;
  /** Slot end, ms since the epoch (exclusive). */
  end: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last?: number | undefined;
  /**
   * Histograms only: the slot's HDR histogram, compressed and base64-encoded (HdrHistogram's
   * standard V2 format), of values divided by `resolution` and truncated to integers.
   */
  hdr?: string | undefined;
  /** Histograms only: the value of one integer unit in `hdr`, in the metric's unit. */
  resolution?: number | undefined;
  /** Service that wrote the rollup (the monitor's `service` option). */
  service?: string | undefined;
  /**
   * Who wrote the rollup: the writing monitor's `instanceId` (see docs/fleet.md). Stores keep one
   * rollup per (series, start, instance): a rollup with the same three replaces the stored one
   * (a retried write), rollups of other instances are kept beside it. Rollups without it (data
   * written before instances existed) are kept as before: by content.
   */
  instance?: string | undefined;
}

/** Which rollups to read: one metric name, label matchers (equality), and a time range. */
export interface RollupQuery {
  name: string;
  /** Only series whose labels include all of these. */
  labels?: Readonly<Record<string, string>> | undefined;
  /** Rollups whose slot ends after this time (ms, exclusive). Default: no lower bound. */
  from?: number | undefined;
  /** Rollups whose slot starts before this time (ms, exclusive). Default: no upper bound. */
  to?: number | undefined;
}

/** Options every adapter call accepts. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** What {@link StorageAdapter.readRollupChanges} answers. */
export interface RollupChanges {
  /** Rollups of the name written since the cursor (some may have been returned before). */
  rollups: Rollup[];
  /** Where the next call continues from. */
  cursor: string;
  /** False when these are not every write since the cursor (none given, or the store let them go). */
  complete: boolean;
}

/**
 * Where a monitor keeps what outlives a flush: rollups, alert records, rules and notification
 * dead letters, plus leases for cross-instance deduplication. Every method returns a promise;
 * adapters reject on failure and the callers retry. `MemoryStorage` is the reference
 * implementation.
 */
export interface StorageAdapter {
  /** A short name for logs and errors, e.g. `'memory'` or `'redis'`. */
  readonly name: string;
  /**
   * Writes a batch of rollups. All or nothing is fine; partial success must still resolve only
   * when all are stored. A rollup the store can never hold (see `rollupProblem`: a lone
   * surrogate in a label, a start that is not a safe integer...) is rejected with a permanent
   * `StorageError` (`permanent: true`): with `rejected` (its indexes in this batch) when every
   * other rollup was stored, without it when nothing was. Any other failure is transient and
   * the caller retries the whole batch.
   */
  writeRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void>;
  /** Reads rollups matching the query, ordered by `start`. */
  queryRollups(query: RollupQuery, options?: CallOptions): Promise<Rollup[]>;
  /**
   * Optional: the rollups of `name` written (or rewritten) since `cursor`, a value an earlier
   * call returned, so that a reader that reads often (the rule engine, every tick) reads what
   * changed instead of its whole range. Without a cursor, or when the store no longer holds every
   * write since it, `complete` is false and `rollups` may be empty: the caller reads its range
   * with `queryRollups` and continues from the returned cursor. A rollup may be returned more
   * than once (readers keep one per series, start and instance). A store without it is read by
   * range every tick.
   */
  readRollupChanges?(name: string, cursor: string | undefined, options?: CallOptions): Promise<RollupChanges>;
  /**
   * Takes `key` for `ttlMs` if nobody holds it; true when this caller got it. Instances of one
   * service use it to agree on who sends a notification.
   */
  tryAcquire(key: string, ttlMs: number, options?: CallOptions): Promise<boolean>;
  /** Creates or replaces the alert record with `alert.id`. */
  saveAlert(alert: AlertRecord, options?: CallOptions): Promise<void>;
  /** Alert records matching the query, most recently updated first. */
  queryAlerts(query: AlertQuery, options?: CallOptions): Promise<AlertRecord[]>;
  /** Creates or replaces the rule with `rule.id`. */
  saveRule(rule: StoredRule, options?: CallOptions): Promise<void>;
  /** Deletes a rule; true if it existed. */
  deleteRule(id: string, options?: CallOptions): Promise<boolean>;
  /** Every stored rule, oldest first. */
  listRules(options?: CallOptions): Promise<StoredRule[]>;
  /** Creates or replaces the dead letter with `letter.id`. */
  saveDeadLetter(letter: DeadLetter, options?: CallOptions): Promise<void>;
  /** Dead letters matching the query, oldest first. */
  listDeadLetters(query?: DeadLetterQuery, options?: CallOptions): Promise<DeadLetter[]>;
  /** Deletes a dead letter; true if it existed. */
  deleteDeadLetter(id: string, options?: CallOptions): Promise<boolean>;
  /** Creates or replaces the job dead letter with `letter.id`. */
  saveJobDeadLetter(letter: JobDeadLetter, options?: CallOptions): Promise<void>;
  /** Job dead letters matching the query, oldest first. */
  listJobDeadLetters(query?: JobDeadLetterQuery, options?: CallOptions): Promise<JobDeadLetter[]>;
  /** Deletes a job dead letter; true if it existed. */
  deleteJobDeadLetter(id: string, options?: CallOptions): Promise<boolean>;
  /**
   * Deletes rollups, resolved alerts and dead letters (both kinds) older than `timestamp` (ms), and expired
   * leases; returns how many records were removed. Rules and firing alerts are kept.
   */
  purgeBefore(timestamp: number, options?: CallOptions): Promise<number>;
  /** Releases connections. The monitor calls it from `close()` only for adapters it created. */
  close(): Promise<void>;
}

/** The data calls of {@link StorageAdapter}: every method but `close`, in the contract's order. */
export const STORAGE_CALLS = [
  'writeRollups',
  'queryRollups',
  'tryAcquire',
  'saveAlert',
  'queryAlerts',
  'saveRule',
  'deleteRule',
  'listRules',
  'saveDeadLetter',
  'listDeadLetters',
  'deleteDeadLetter',
  'saveJobDeadLetter',
  'listJobDeadLetters',
  'deleteJobDeadLetter',
  'purgeBefore',
] as const satisfies readonly (keyof StorageAdapter)[];
