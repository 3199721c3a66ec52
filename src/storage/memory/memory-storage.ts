import { z } from 'zod';
import { positiveDurationSchema } from '../../core/duration.js';
import { systemClock, yieldTurn } from '../../core/clock.js';
import { StorageError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import type { CallOptions, MetricNameQuery, Rollup, RollupChanges, RollupQuery, StorageAdapter, StoredMetricName } from '../contract.js';
import { assertNameQuery, byCodePoint } from '../metric-names.js';
import type { CompactionStore, StateStore } from '../roles.js';
import { checkCompactionRequest, type CompactionRequest, type CompactionResult } from '../compaction.js';
import { assertStateKey, stateJson, stateLimit, type ReadStateOptions, type StateEntry } from '../state.js';
import { ChangeLog } from '../rollup-changes.js';
import { MemoryRecords } from './memory-records.js';
import { copyInPieces, MemoryRollups } from './memory-rollups.js';
import { partitionRollups, rejectionError } from '../rollup-validation.js';
import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from '../records.js';

/** Options of {@link MemoryStorage}. */
export const memoryStorageOptionsSchema = z.object({
  /** Rollups older than this are dropped (seed 000 keeps the last 24 hours in memory). Must be > 0. */
  retention: positiveDurationSchema.default(24 * 3_600_000),
  /** At most this many rollups per series; the oldest go first (seed 000: 1000 points per metric). */
  maxPointsPerSeries: z.number().int().positive().default(1000),
  /**
   * Resolved alerts, notification dead letters and job dead letters kept, each; past it the
   * oldest go. Resolved alerts also go once older than `retention`.
   */
  maxRecords: z.number().int().positive().default(10_000),
  /** Source of time for retention; defaults to `Date.now`. */
  now: z.custom<() => number>((v) => typeof v === 'function', 'must be a function returning the time in ms since the epoch').optional(),
});

/** Options accepted by {@link MemoryStorage}. */
export type MemoryStorageOptions = z.input<typeof memoryStorageOptionsSchema>;

/** Longest time between two sweeps of expired data. */
const SWEEP_INTERVAL = 60_000;

/**
 * The embedded default store: rollups in memory per series, with retention by age and by
 * count. Also the reference implementation of the {@link StorageAdapter} contract.
 */
export class MemoryStorage implements StorageAdapter, StateStore, CompactionStore {
  readonly name = 'memory';
  private readonly options: z.output<typeof memoryStorageOptionsSchema>;
  private readonly rollups: MemoryRollups;
  private readonly leases = new Map<string, number>();
  private readonly records: MemoryRecords;
  private readonly changes = new ChangeLog();
  /** State entries as JSON text (a value read back is a new copy, as from any store). */
  private readonly state = new Map<string, { json: string; updatedAt: number }>();
  private closed = false;
  private lastSweep = -Infinity;

  /** Creates an empty store. */
  constructor(options: MemoryStorageOptions = {}) {
    this.options = parseOptions(memoryStorageOptionsSchema, options, 'invalid MemoryStorage options');
    this.rollups = new MemoryRollups(this.options.maxPointsPerSeries);
    this.records = new MemoryRecords(this.options.maxRecords);
  }

  /**
   * Stores a batch; each series keeps its points ordered by start and trimmed to the limits, and
   * one point per (start, instance) for rollups that carry an instance.
   * Invalid rollups (see `rollupProblem`) are not stored: the rest are, then the call rejects
   * with a permanent StorageError whose `rejected` lists their indexes.
   */
  async writeRollups(rollups: readonly Rollup[], _options?: CallOptions): Promise<void> {
    this.assertOpen();
    const now = this.now();
    const cutoff = now - this.options.retention;
    this.sweep(now, cutoff);
    const partition = partitionRollups(rollups);
    for (const rollup of partition.valid) {
      if (rollup.end > cutoff) this.changes.add(this.rollups.add(rollup), now);
    }
    if (partition.rejected.length > 0) throw rejectionError('MemoryStorage', rollups.length, partition);
  }

  /** Rollups of `query.name` whose labels include `query.labels` and whose slot overlaps (from, to). */
  async queryRollups(query: RollupQuery, _options?: CallOptions): Promise<Rollup[]> {
    this.assertOpen();
    // A large read lets the event loop turn between its pieces, on the platform's next turn (the
    // store has no clock): a small one never waits for it.
    return this.rollups.query(query, this.now() - this.options.retention, () => yieldTurn(systemClock));
  }

  /**
   * Copies of the rollups of `name` written since `cursor`, over the last 2 minutes (see
   * `StorageAdapter.readRollupChanges`): those written before the call, copied in pieces with a
   * platform turn between them as a large range read is (after a slot closed, every series).
   */
  async readRollupChanges(name: string, cursor: string | undefined, _options?: CallOptions): Promise<RollupChanges> {
    this.assertOpen();
    const changes = this.changes.read(name, cursor, this.now());
    return { ...changes, rollups: await copyInPieces(changes.rollups, () => yieldTurn(systemClock)) };
  }

  /**
   * @internal What `queryRollups` answers, as the store's own objects rather than copies, for
   * this package's readers that only read them: a snapshot groups them into parts of its own at
   * once (snapshot-store-reads.ts), and 50,000 copies of a 5-minute window of 5,000 series (20 MB)
   * lived through the grouping's pieces, each scavenge met there copying them. The caller must
   * not change them (their labels are frozen); the store never does (it replaces a rollup).
   */
  async readStoredRollups(query: RollupQuery): Promise<Rollup[]> {
    this.assertOpen();
    return this.rollups.query(query, this.now() - this.options.retention, () => yieldTurn(systemClock), false);
  }

  /** @internal What `readRollupChanges` answers, as the store's own objects (see {@link readStoredRollups}). */
  async readStoredChanges(name: string, cursor: string | undefined): Promise<RollupChanges> {
    this.assertOpen();
    return this.changes.read(name, cursor, this.now());
  }

  /** The names with a rollup that ended after `query.since`, in code point order, with their series counted (see `RollupStore.listMetricNames`). */
  async listMetricNames(query: MetricNameQuery, _options?: CallOptions): Promise<StoredMetricName[]> {
    this.assertOpen();
    assertNameQuery(query);
    return this.rollups.names(query.since, this.now() - this.options.retention, query.limit, query.match);
  }

  /**
   * Merges older rollups into one per series and span (see `CompactionStore.compactRollups`),
   * in place: nothing is awaited between removing a span's rollups and adding the merged one.
   */
  async compactRollups(request: CompactionRequest, _options?: CallOptions): Promise<CompactionResult> {
    this.assertOpen();
    const { span, before, limit } = checkCompactionRequest('MemoryStorage', request);
    return this.rollups.compact(span, before, limit, this.now() - this.options.retention);
  }

  /** Takes `key` for `ttlMs` unless another caller holds an unexpired lease on it. */
  async tryAcquire(key: string, ttlMs: number, _options?: CallOptions): Promise<boolean> {
    this.assertOpen();
    const now = this.now();
    this.sweep(now, now - this.options.retention);
    const until = this.leases.get(key);
    if (until !== undefined && until > now) return false;
    this.leases.set(key, now + ttlMs);
    return true;
  }

  /** Stores a copy of the alert, replacing the one with the same id. */
  async saveAlert(alert: AlertRecord, _options?: CallOptions): Promise<void> {
    this.assertOpen();
    this.records.saveAlert(alert);
  }

  /** Copies of the matching alerts, most recently updated first. */
  async queryAlerts(query: AlertQuery, _options?: CallOptions): Promise<AlertRecord[]> {
    this.assertOpen();
    return this.records.queryAlerts(query);
  }

  /** Stores a copy of the rule, replacing the one with the same id. */
  async saveRule(rule: StoredRule, _options?: CallOptions): Promise<void> {
    this.assertOpen();
    this.records.saveRule(rule);
  }

  /** Deletes a rule; true if it existed. */
  async deleteRule(id: string, _options?: CallOptions): Promise<boolean> {
    this.assertOpen();
    return this.records.deleteRule(id);
  }

  /** Copies of every rule, oldest first. */
  async listRules(_options?: CallOptions): Promise<StoredRule[]> {
    this.assertOpen();
    return this.records.listRules();
  }

  /** Stores a copy of the dead letter, replacing the one with the same id. */
  async saveDeadLetter(letter: DeadLetter, _options?: CallOptions): Promise<void> {
    this.assertOpen();
    this.records.saveDeadLetter(letter);
  }

  /** Copies of the matching dead letters, oldest first. */
  async listDeadLetters(query: DeadLetterQuery = {}, _options?: CallOptions): Promise<DeadLetter[]> {
    this.assertOpen();
    return this.records.listDeadLetters(query);
  }

  /** Deletes a dead letter; true if it existed. */
  async deleteDeadLetter(id: string, _options?: CallOptions): Promise<boolean> {
    this.assertOpen();
    return this.records.deleteDeadLetter(id);
  }

  /** Stores a copy of the job dead letter, replacing the one with the same id. */
  async saveJobDeadLetter(letter: JobDeadLetter, _options?: CallOptions): Promise<void> {
    this.assertOpen();
    this.records.saveJobDeadLetter(letter);
  }

  /** Copies of the matching job dead letters, oldest first. */
  async listJobDeadLetters(query: JobDeadLetterQuery = {}, _options?: CallOptions): Promise<JobDeadLetter[]> {
    this.assertOpen();
    return this.records.listJobDeadLetters(query);
  }

  /** Deletes a job dead letter; true if it existed. */
  async deleteJobDeadLetter(id: string, _options?: CallOptions): Promise<boolean> {
    this.assertOpen();
    return this.records.deleteJobDeadLetter(id);
  }

  /** Stores `value` under `key` unless the key holds one; true when this call stored it. */
  async putStateIfAbsent(key: string, value: unknown, _options?: CallOptions): Promise<boolean> {
    this.assertOpen();
    assertStateKey(key);
    const json = stateJson(value);
    if (this.state.has(key)) return false;
    this.state.set(key, { json, updatedAt: this.now() });
    return true;
  }

  /** Copies of the entries under `prefix`, by key in code point order, at most `options.limit`. */
  async readState(prefix: string, options?: ReadStateOptions): Promise<StateEntry[]> {
    this.assertOpen();
    assertStateKey(prefix, 'prefix');
    const limit = stateLimit(options?.limit);
    const keys = [...this.state.keys()].filter((k) => k.startsWith(prefix)).sort(byCodePoint).slice(0, limit);
    return keys.map((key) => {
      const { json, updatedAt } = this.state.get(key)!;
      return { key, value: JSON.parse(json) as unknown, updatedAt };
    });
  }

  /** Deletes the entry of `key`; true if it existed. */
  async deleteState(key: string, _options?: CallOptions): Promise<boolean> {
    this.assertOpen();
    assertStateKey(key);
    return this.state.delete(key);
  }

  /** Removes rollups that ended at or before `timestamp`, older resolved alerts and dead letters, and expired leases. */
  async purgeBefore(timestamp: number, _options?: CallOptions): Promise<number> {
    this.assertOpen();
    const removed = this.rollups.removeEndedBy(timestamp) + this.records.removeResolvedBefore(timestamp) + this.records.removeLettersBefore(timestamp);
    // Readers of the change log read the range again: it no longer holds what was purged.
    this.changes.clear();
    this.expireLeases(this.now());
    return removed;
  }

  /** Marks the store closed; later calls reject. */
  async close(): Promise<void> {
    this.closed = true;
  }

  /**
   * Frees what retention already hides (expired points, emptied series, expired leases), at most
   * once a minute, so a long-running process with changing label sets does not grow forever.
   */
  private sweep(now: number, cutoff: number): void {
    if (now - this.lastSweep < Math.min(this.options.retention, SWEEP_INTERVAL)) return;
    this.lastSweep = now;
    this.rollups.removeEndedBy(cutoff);
    this.records.removeResolvedBefore(cutoff);
    this.expireLeases(now);
    this.changes.forget(now);
  }

  private expireLeases(now: number): void {
    for (const [key, until] of this.leases) if (until <= now) this.leases.delete(key);
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private assertOpen(): void {
    if (this.closed) throw new StorageError('MemoryStorage is closed');
  }
}
