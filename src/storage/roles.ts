import type { StorageError } from '../core/errors.js';
import type { MetricNameQuery, Rollup, RollupChanges, RollupQuery, StoredMetricName } from './rollup.js';
import type { CompactionRequest, CompactionResult } from './compaction.js';
import type { ReadStateOptions, StateEntry } from './state.js';
import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from './records.js';

/**
 * The roles a store can play. A store implements any combination of them, each whole, beside
 * {@link StorageLifecycle}; `MemoryStorage`, `RedisStorage` and `PostgresStorage` play every one.
 * Every call returns a promise; adapters reject on failure (a `StorageError`) and the callers
 * retry.
 */

/** Options every adapter call accepts. */
export interface CallOptions {
  signal?: AbortSignal | undefined;
}

/** What every store has, whatever roles it plays. */
export interface StorageLifecycle {
  /** A short name for logs and errors, e.g. `'memory'` or `'redis'`. */
  readonly name: string;
  /** Releases connections. The monitor calls it from `close()` only for a store it created. */
  close(): Promise<void>;
  /**
   * Optional: sends the store's side failures (best-effort work that must not fail the call it
   * rides on: a name index write, a malformed stored entry skipped by a read) to `report` until
   * the returned function is called. A monitor given a store attaches its `error` event here
   * (and detaches on `close()`). A store whose user gave it its own handler (the built-in
   * adapters' `onError` option) keeps it: it returns undefined and attaches nothing. Without
   * either, the built-in adapters write a console warning at most once a minute.
   */
  attachSideFailures?(report: (error: StorageError) => void): (() => void) | undefined;
}

/** Keeps the recorder's rollups and answers window reads: what makes metrics outlive a process and read fleet-wide. */
export interface RollupStore {
  /**
   * Writes a batch of rollups. All or nothing is fine; partial success must still resolve only
   * when all are stored. A rollup the store can never hold (see `rollupProblem`: a lone
   * surrogate in a label, a start that is not a safe integer...) is rejected with a permanent
   * `StorageError` (`permanent: true`): with `rejected` (its indexes in this batch) when every
   * other rollup was stored, without it when nothing was. Any other failure is transient and
   * the caller retries the whole batch. One rollup is kept per (series, start, instance): a
   * rollup with the same three replaces the stored one (a retried write).
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
   * Optional: the metric names with a rollup that ended after `query.since`, written by any
   * instance, each once, ordered by name (code point order), at most `query.limit` (default
   * 1,000, at most 10,000): what a fleet-wide metric explorer lists. Names come back as they
   * were written, never interpreted (a name may hold quotes, `*`, `:`, newlines...). A store
   * without it has no listing; the caller falls back to what it knows locally.
   */
  listMetricNames?(query: MetricNameQuery, options?: CallOptions): Promise<StoredMetricName[]>;
}

/** Leases: how instances of one service agree on who evaluates a rule or sends a notification. */
export interface LeaseStore {
  /** Takes `key` for `ttlMs` if nobody holds it; true when this caller got it. */
  tryAcquire(key: string, ttlMs: number, options?: CallOptions): Promise<boolean>;
}

/** Alert records and alert rules: what lets alert state and declared rules survive restarts and be shared. */
export interface AlertRecordStore {
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
}

/** Notifications that still failed after their retries, kept so they can be listed and retried. */
export interface DeadLetterStore {
  /** Creates or replaces the dead letter with `letter.id`. */
  saveDeadLetter(letter: DeadLetter, options?: CallOptions): Promise<void>;
  /** Dead letters matching the query, oldest first. */
  listDeadLetters(query?: DeadLetterQuery, options?: CallOptions): Promise<DeadLetter[]>;
  /** Deletes a dead letter; true if it existed. */
  deleteDeadLetter(id: string, options?: CallOptions): Promise<boolean>;
}

/**
 * Jobs that still failed after their retries (seed 000's dead letter queue). Nothing in
 * pulsewatch calls it yet (`monitor.jobs` will); a custom store may leave it out.
 */
export interface JobDeadLetterStore {
  /** Creates or replaces the job dead letter with `letter.id`. */
  saveJobDeadLetter(letter: JobDeadLetter, options?: CallOptions): Promise<void>;
  /** Job dead letters matching the query, oldest first. */
  listJobDeadLetters(query?: JobDeadLetterQuery, options?: CallOptions): Promise<JobDeadLetter[]>;
  /** Deletes a job dead letter; true if it existed. */
  deleteJobDeadLetter(id: string, options?: CallOptions): Promise<boolean>;
}

/** Retention on demand, across the roles the store plays. */
export interface PurgeableStore {
  /**
   * Deletes rollups that ended at or before `timestamp`, resolved alerts and dead letters (both
   * kinds) older than it, and expired leases, of the roles the store plays; returns how many
   * records were removed (leases not counted). Rules and firing alerts are kept.
   */
  purgeBefore(timestamp: number, options?: CallOptions): Promise<number>;
}

/**
 * Small learned state under string keys (job baselines...), shared by the instances of a service:
 * the first writer of a key wins, later writers read its value. An optional role: a store
 * without it keeps working (callers fall back), and `StorageAdapter` does not require it.
 */
export interface StateStore {
  /**
   * Stores `value` (JSON-serialisable, at most 64 KiB of JSON) under `key` unless the key holds
   * one already; true when this call stored it. Of concurrent calls on one key, across instances,
   * exactly one resolves true. An invalid key or value rejects with a permanent StorageError.
   */
  putStateIfAbsent(key: string, value: unknown, options?: CallOptions): Promise<boolean>;
  /** The entries whose key starts with `prefix` (`''`: all), in code point order of key, at most `options.limit` (default 1,000, at most 10,000). */
  readState(prefix: string, options?: ReadStateOptions): Promise<StateEntry[]>;
  /** Deletes the entry of `key`; true if it existed. */
  deleteState(key: string, options?: CallOptions): Promise<boolean>;
}

/**
 * Rollup compaction (downsampling): older rollups merged into one per series and span (an hour, a
 * day), so long ranges read a few rollups instead of every slot. An optional role: the monitor's
 * compaction schedule (`compaction` option) calls it; a store without it keeps every slot.
 */
export interface CompactionStore {
  /**
   * Replaces, per series (name, labels, kind and service) and span `[k * span, (k + 1) * span)`
   * ending at or before `request.before`, the two or more rollups lying inside the span (every
   * instance's, compacted ones included) by one rollup over the whole span with the instance
   * `COMPACTED_INSTANCE`, merged as `mergeRollups` does. Each span is replaced atomically: a
   * reader sees the originals or the compacted rollup, never both, never neither. A rollup that
   * crosses a span boundary is left as it is. Writes nothing to the change log
   * (`readRollupChanges`): the values a reader counts do not change. At most `request.limit`
   * rollups are merged per call (`done: false` then). An invalid request rejects with a permanent
   * StorageError.
   */
  compactRollups(request: CompactionRequest, options?: CallOptions): Promise<CompactionResult>;
}

/** The optional roles: a store may play them (each whole) beside the others; `StorageAdapter` does not require them. */
export const OPTIONAL_ROLE_CALLS = {
  state: ['putStateIfAbsent', 'readState', 'deleteState'],
  compaction: ['compactRollups'],
} as const satisfies { readonly state: readonly (keyof StateStore)[]; readonly compaction: readonly (keyof CompactionStore)[] };

/** An optional role's name. */
export type OptionalStorageRole = keyof typeof OPTIONAL_ROLE_CALLS;

/** The roles by name. */
export interface StorageRoleMap {
  rollups: RollupStore;
  leases: LeaseStore;
  alertRecords: AlertRecordStore;
  deadLetters: DeadLetterStore;
  jobDeadLetters: JobDeadLetterStore;
  purge: PurgeableStore;
}

/** One role's name. */
export type StorageRole = keyof StorageRoleMap;

/** The required calls of each role (`readRollupChanges` and `listMetricNames` are optional within `rollups`), in the contract's order. */
export const ROLE_CALLS = {
  rollups: ['writeRollups', 'queryRollups'],
  leases: ['tryAcquire'],
  alertRecords: ['saveAlert', 'queryAlerts', 'saveRule', 'deleteRule', 'listRules'],
  deadLetters: ['saveDeadLetter', 'listDeadLetters', 'deleteDeadLetter'],
  jobDeadLetters: ['saveJobDeadLetter', 'listJobDeadLetters', 'deleteJobDeadLetter'],
  purge: ['purgeBefore'],
} as const satisfies { readonly [R in StorageRole]: readonly Exclude<keyof StorageRoleMap[R], 'readRollupChanges' | 'listMetricNames'>[] };

/** Every role, in the contract's order. */
export const STORAGE_ROLES = Object.keys(ROLE_CALLS) as StorageRole[];

/**
 * A store playing every role: what the built-in adapters are, and what a monitor works with
 * (see `withLocalRoles` for a store that plays fewer).
 */
export interface StorageAdapter extends StorageLifecycle, RollupStore, LeaseStore, AlertRecordStore, DeadLetterStore, JobDeadLetterStore, PurgeableStore {}

/** A store playing any combination of the roles, each whole. */
export type PartialStorage = StorageLifecycle & Partial<Omit<StorageAdapter, keyof StorageLifecycle>> & Partial<StateStore> & Partial<CompactionStore>;

const has = (store: object, call: string): boolean => typeof (store as Record<string, unknown>)[call] === 'function';

/** True when `store` has every call of `role` (one of the roles, or the optional `state` or `compaction`). */
export function hasRole<R extends StorageRole>(store: object, role: R): store is StorageRoleMap[R];
export function hasRole(store: object, role: 'state'): store is StateStore;
export function hasRole(store: object, role: 'compaction'): store is CompactionStore;
export function hasRole(store: object, role: OptionalStorageRole): store is StateStore | CompactionStore;
export function hasRole(store: object, role: StorageRole | OptionalStorageRole): boolean {
  return callsOf(role).every((call) => has(store, call));
}

function callsOf(role: StorageRole | OptionalStorageRole): readonly string[] {
  return role === 'state' || role === 'compaction' ? OPTIONAL_ROLE_CALLS[role] : ROLE_CALLS[role];
}

/** The roles `store` plays: those it has every call of, in the contract's order. */
export function storageRoles(store: object): StorageRole[] {
  return STORAGE_ROLES.filter((role) => hasRole(store, role));
}

/**
 * The roles `store` plays only in part, each with the calls it lacks: a store must play a role
 * whole or not at all (a caller that finds `saveAlert` must find `queryAlerts`).
 */
export function partialRoles(store: object): { role: StorageRole | OptionalStorageRole; missing: string[] }[] {
  const out: { role: StorageRole | OptionalStorageRole; missing: string[] }[] = [];
  for (const role of [...STORAGE_ROLES, 'state', 'compaction'] as const) {
    const missing = callsOf(role).filter((call) => !has(store, call));
    if (missing.length > 0 && missing.length < callsOf(role).length) out.push({ role, missing });
  }
  return out;
}
