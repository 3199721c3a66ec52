import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { StorageError } from '../../core/errors.js';
import type { CallOptions, MetricNameQuery, Rollup, RollupChanges, RollupQuery, StorageAdapter, StoredMetricName } from '../contract.js';
import { assertNameQuery } from '../metric-names.js';
import { RedisNames } from './redis-names.js';
import { RedisState } from './redis-state.js';
import { SideFailures, type SideFailureReporter } from '../side-failures.js';
import type { CompactionStore, StateStore } from '../roles.js';
import { checkCompactionRequest, type CompactionRequest, type CompactionResult } from '../compaction.js';
import { RedisCompaction } from './redis-compaction.js';
import { assertStateKey, stateJson, stateLimit, type ReadStateOptions, type StateEntry } from '../state.js';
import { readRollupChanges } from './redis-changes.js';
import { ChangeLineDecoder } from './redis-change-lines.js';
import { drawEpoch } from '../rollup-changes.js';
import { sharedChanges } from '../shared-changes.js';
import { toStorageError } from './redis-errors.js';
import { RedisKeys } from './redis-keys.js';
import { RedisRecords } from './redis-records.js';
import { type RedisClient, RedisRollupWriter } from './redis-rollups.js';
import { queryRollupWindow } from './redis-window.js';
import { purgeRollups } from './redis-purge.js';
import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from '../records.js';
import { abortable } from '../../core/abortable.js';
import { parseOptions } from '../../core/options.js';
import { decoded, MIN_SECRET_LENGTH } from '../../core/redact.js';
import { redisStorageOptionsSchema, type RedisStorageOptions } from './redis-options.js';

export { redisStorageOptionsSchema, type RedisStorageOptions };

/**
 * Rollups, alert records, rules, dead letters and leases in Redis (≥ 6.2), shared by every
 * instance of a service. Rollups go to one sorted set per series (score = slot start), with
 * TTL-based retention; a batch is one pipelined round trip. Every failure rejects with a
 * {@link StorageError} carrying the cause; messages never show the URL's password.
 */
export class RedisStorage implements StorageAdapter, StateStore, CompactionStore {
  readonly name = 'redis';
  private readonly options: z.output<typeof redisStorageOptionsSchema>;
  private readonly client: RedisClient;
  private readonly owned: boolean;
  private readonly keys: RedisKeys;
  private readonly records: RedisRecords;
  private readonly writer: RedisRollupWriter;
  private readonly metricNames: RedisNames;
  private readonly state: RedisState;
  private readonly compaction: RedisCompaction;
  /** Decodes the change log's lines and the series' members; keeps the label sets it parsed between reads. */
  private readonly changeLines = new ChangeLineDecoder();
  private readonly sideFailures: SideFailures;
  private readonly secrets: string[] = [];
  private readonly leaseToken = randomUUID();
  private lastConnectionError: Error | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;

  /** Validates the options; with `url`, creates a client that connects on first use. */
  constructor(options: RedisStorageOptions) {
    // Options hold a URL with a password: errors name the option, never the value.
    this.options = parseOptions(redisStorageOptionsSchema, options ?? {}, 'invalid RedisStorage options', { values: false });
    this.keys = new RedisKeys(this.options.keyPrefix);
    if (this.options.client !== undefined) {
      this.client = this.options.client;
      this.owned = false;
    } else {
      const url = this.options.url!;
      const { username, password } = new URL(url);
      // As written and as used (`p%40ss` is `p@ss`): core/redact.ts's decoding, the one every policy uses.
      for (const secret of [password, decoded(password)]) if (secret) this.secrets.push(secret);
      // A user is masked too, but not one so short that masking it garbles messages (`u`: `q***eryRollups`).
      for (const user of [username, decoded(username)]) if (user.length >= MIN_SECRET_LENGTH) this.secrets.push(user);
      // Fail fast while disconnected, and let the recorder own retrying (it keeps the data, backs
      // off and reports): no offline queue (commands reject at once while reconnecting), no
      // per-request retries (commands in flight reject when the connection drops instead of
      // being resent later), and no connection before the first call.
      const client = new Redis(url, {
        lazyConnect: true,
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        autoResendUnfulfilledCommands: false,
        commandTimeout: this.options.commandTimeout,
      });
      client.on('error', (error: Error) => {
        this.lastConnectionError = error;
      });
      this.client = client;
      this.owned = true;
    }
    this.sideFailures = new SideFailures(this.options.onError, 'RedisStorage');
    this.records = new RedisRecords(this.client, this.keys, this.sideFailures.report);
    this.writer = new RedisRollupWriter(this.client, this.keys, this.options.retention);
    this.metricNames = new RedisNames(this.client, this.keys, this.options.retention, () => this.now());
    this.state = new RedisState(this.client, this.keys, this.sideFailures.report);
    this.compaction = new RedisCompaction(this.client, this.keys, this.options.retention, this.sideFailures.report);
  }

  /** Side failures go to `report` until the returned function is called, unless `onError` was given (see `StorageLifecycle.attachSideFailures`). */
  attachSideFailures(report: SideFailureReporter): (() => void) | undefined {
    return this.sideFailures.attach(report);
  }

  /**
   * Merges older rollups into one per series and span (see `CompactionStore.compactRollups`): the
   * spans of up to 25 series at a time replaced by one script each (redis-compaction.ts).
   */
  compactRollups(request: CompactionRequest, options?: CallOptions): Promise<CompactionResult> {
    return this.run('compactRollups', options, async () => {
      const { span, before, limit } = checkCompactionRequest('RedisStorage', request);
      return this.compaction.compact(span, before, limit, this.cutoff());
    });
  }

  /** Writes the batch in one script, which keeps the name index and the name order with the rollups. */
  writeRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void> {
    return this.run('writeRollups', options, () => this.writer.write(rollups, this.now()));
  }

  /** Rollups of `query.name` whose labels include `query.labels` and whose slot overlaps (from, to), by start. */
  queryRollups(query: RollupQuery, options?: CallOptions): Promise<Rollup[]> {
    return this.run('queryRollups', options, () => queryRollupWindow(this.client, this.keys, query, this.cutoff(), this.changeLines, this.sideFailures.report));
  }

  /** Rollups of `name` written since `cursor`, over the last 2 minutes, from the log writes keep (see `StorageAdapter.readRollupChanges`). */
  readRollupChanges(name: string, cursor: string | undefined, options?: CallOptions): Promise<RollupChanges> {
    return this.run('readRollupChanges', options, () => readRollupChanges(this.client, this.keys, name, cursor, drawEpoch(this.now()), this.changeLines, this.sideFailures.report));
  }

  /**
   * `readRollupChanges` of `name` with the decoder's frozen labels, one object per series (see
   * storage/shared-changes.ts; a `SharedChangesStore` by shape, not declared: the member stays out
   * of the public type).
   * @internal
   */
  [sharedChanges](name: string): ((cursor: string | undefined) => Promise<RollupChanges>) | undefined {
    if (this.readRollupChanges !== RedisStorage.prototype.readRollupChanges) return undefined;
    return (cursor) => this.run('readRollupChanges', undefined, () => readRollupChanges(this.client, this.keys, name, cursor, drawEpoch(this.now()), this.changeLines, this.sideFailures.report, true));
  }

  /** The names with a rollup that ended after `query.since`, from the name index writes keep (see `RollupStore.listMetricNames`). */
  listMetricNames(query: MetricNameQuery, options?: CallOptions): Promise<StoredMetricName[]> {
    return this.run('listMetricNames', options, async () => {
      assertNameQuery(query);
      return this.metricNames.list(query, this.cutoff());
    });
  }

  /** `HSETNX` of the key into the store's state hash: true when this call stored it (see `StateStore`). */
  putStateIfAbsent(key: string, value: unknown, options?: CallOptions): Promise<boolean> {
    return this.run('putStateIfAbsent', options, async () => {
      assertStateKey(key);
      return this.state.put(key, stateJson(value), this.now());
    });
  }

  /** The entries under `prefix`, by key, from the key index (`ZRANGEBYLEX`): never a scan of the keyspace. */
  readState(prefix: string, options?: ReadStateOptions): Promise<StateEntry[]> {
    return this.run('readState', options, async () => {
      assertStateKey(prefix, 'prefix');
      return this.state.read(prefix, stateLimit(options?.limit));
    });
  }

  /** Deletes the entry of `key`; true if it existed. */
  deleteState(key: string, options?: CallOptions): Promise<boolean> {
    return this.run('deleteState', options, async () => {
      assertStateKey(key);
      return this.state.delete(key);
    });
  }

  /** `SET <prefix>lease:<key> <token> NX PX ttl`: true when this call took the lease. */
  tryAcquire(key: string, ttlMs: number, options?: CallOptions): Promise<boolean> {
    return this.run('tryAcquire', options, async () => {
      const leaseKey = this.keys.lease(key);
      // A lease of zero length (or less) expires at once, as in MemoryStorage: taken unless held.
      if (!(ttlMs > 0)) return (await this.client.exists(leaseKey)) === 0;
      return (await this.client.set(leaseKey, this.leaseToken, 'PX', Math.ceil(Math.min(ttlMs, 2 ** 52)), 'NX')) === 'OK';
    });
  }

  saveAlert(alert: AlertRecord, options?: CallOptions): Promise<void> {
    return this.run('saveAlert', options, () => this.records.saveAlert(alert));
  }

  queryAlerts(query: AlertQuery, options?: CallOptions): Promise<AlertRecord[]> {
    return this.run('queryAlerts', options, () => this.records.queryAlerts(query));
  }

  saveRule(rule: StoredRule, options?: CallOptions): Promise<void> {
    return this.run('saveRule', options, () => this.records.saveRule(rule));
  }

  deleteRule(id: string, options?: CallOptions): Promise<boolean> {
    return this.run('deleteRule', options, () => this.records.deleteRule(id));
  }

  listRules(options?: CallOptions): Promise<StoredRule[]> {
    return this.run('listRules', options, () => this.records.listRules());
  }

  saveDeadLetter(letter: DeadLetter, options?: CallOptions): Promise<void> {
    return this.run('saveDeadLetter', options, () => this.records.saveDeadLetter(letter));
  }

  listDeadLetters(query: DeadLetterQuery = {}, options?: CallOptions): Promise<DeadLetter[]> {
    return this.run('listDeadLetters', options, () => this.records.listDeadLetters(query));
  }

  deleteDeadLetter(id: string, options?: CallOptions): Promise<boolean> {
    return this.run('deleteDeadLetter', options, () => this.records.deleteDeadLetter(id));
  }

  saveJobDeadLetter(letter: JobDeadLetter, options?: CallOptions): Promise<void> {
    return this.run('saveJobDeadLetter', options, () => this.records.saveJobDeadLetter(letter));
  }

  listJobDeadLetters(query: JobDeadLetterQuery = {}, options?: CallOptions): Promise<JobDeadLetter[]> {
    return this.run('listJobDeadLetters', options, () => this.records.listJobDeadLetters(query));
  }

  deleteJobDeadLetter(id: string, options?: CallOptions): Promise<boolean> {
    return this.run('deleteJobDeadLetter', options, () => this.records.deleteJobDeadLetter(id));
  }

  /**
   * Deletes rollups that ended at or before `timestamp`, resolved alerts and dead letters (both
   * kinds) older than it; returns the exact count. Firing alerts and rules stay; leases expire by TTL.
   */
  purgeBefore(timestamp: number, options?: CallOptions): Promise<number> {
    return this.run('purgeBefore', options, async () => (await purgeRollups(this.client, this.keys, timestamp, this.sideFailures.report)) + (await this.records.purgeBefore(timestamp)));
  }

  /** Quits the client if the adapter created it; afterwards every call rejects with a StorageError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.owned) return;
    const client = this.client as Redis;
    const status = client.status;
    if (status === 'end') return;
    if (status !== 'ready' && status !== 'connect' && status !== 'connecting') {
      // No socket (never connected, or waiting to reconnect): cancel the reconnect timer and stop.
      client.disconnect();
      return;
    }
    // Resolve once the socket is closed, not merely when QUIT was answered (bounded: a dead
    // socket may never report its close).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ended = new Promise<void>((resolve) => {
      client.once('end', () => resolve());
      timer = setTimeout(resolve, 1_000);
      timer.unref();
    });
    try {
      if (status === 'ready') await client.quit();
      else client.disconnect();
    } catch {
      client.disconnect();
    }
    await ended;
    clearTimeout(timer);
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  private cutoff(): number {
    return this.now() - this.options.retention;
  }

  /** Every call goes through here: closed and aborted checks, first connection, error wrapping. */
  private async run<T>(operation: string, options: CallOptions | undefined, call: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageError(`RedisStorage: ${operation} failed: the storage is closed`);
    const signal = options?.signal;
    try {
      signal?.throwIfAborted();
      await this.ready();
      return await abortable(call, signal);
    } catch (cause) {
      // A command that timed out leaves its reply pending on the socket: replies would pair with
      // the wrong commands from then on. Drop the connection; the client reconnects clean.
      if (this.owned && cause instanceof Error && /command timed out/i.test(cause.message)) this.client.disconnect(true);
      throw toStorageError(operation, cause, { secrets: this.secrets, status: this.client.status, lastConnectionError: this.lastConnectionError });
    }
  }

  /**
   * An owned client connects on first use (and this waits for it); afterwards, while it is
   * reconnecting, calls fail at once rather than wait.
   */
  private async ready(): Promise<void> {
    if (!this.owned || this.client.status !== 'wait') return this.connecting;
    this.connecting ??= (this.client as Redis).connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }
}
