import { abortable } from '../core/abortable.js';
import { systemClock } from '../core/clock.js';
import { StorageError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from '../storage/records.js';
import type { CallOptions, MetricNameQuery, ReadStateOptions, Rollup, RollupQuery, StateEntry, StateStore, StorageAdapter, StoredMetricName } from '../storage/contract.js';
import { stateJson } from '../storage/state.js';
import { requirePrimary, type Endpoint } from './endpoint.js';
import { primaryStorageOptionsSchema, type PrimaryStorageOptions } from './options.js';
import { decode, encode, isEnvelope, senderTag } from './protocol.js';
import { PendingRequests } from './requests.js';
import type { StorageOp } from './storage-ops.js';

/**
 * A {@link StorageAdapter} inside a worker that sends every call to its primary's storage over
 * node's IPC (see {@link primaryStorage}). The worker stays an instance of its own (its own
 * `instanceId` on its rollups); the primary's storage keeps them as any store keeps instances'.
 */
export class PrimaryStorage implements StorageAdapter, StateStore {
  readonly name = 'primary';
  private readonly endpoint: Endpoint;
  private readonly pending: PendingRequests;
  private readonly tag = senderTag();
  private readonly timeout: number;
  private readonly maxBytes: number;
  private readonly stops: (() => void)[] = [];

  /** Use {@link primaryStorage}. */
  constructor(options: PrimaryStorageOptions = {}) {
    const o = parseOptions(primaryStorageOptionsSchema, options, 'invalid primaryStorage options');
    this.endpoint = requirePrimary('primaryStorage', o.port);
    this.pending = new PendingRequests(o.clock ?? systemClock, o.maxPending);
    this.timeout = o.timeout;
    this.maxBytes = o.maxMessageBytes;
    this.stops.push(this.endpoint.onMessage((m) => this.receive(m)));
    this.stops.push(this.endpoint.onGone(() => this.pending.close()));
  }

  writeRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void> {
    return this.call('writeRollups', [rollups], options) as Promise<void>;
  }
  queryRollups(query: RollupQuery, options?: CallOptions): Promise<Rollup[]> {
    return this.call('queryRollups', [query], options) as Promise<Rollup[]>;
  }
  /**
   * The primary's storage's `listMetricNames`; rejects with a permanent StorageError when that
   * storage has none (the worker cannot know before asking).
   */
  listMetricNames(query: MetricNameQuery, options?: CallOptions): Promise<StoredMetricName[]> {
    const { since, limit, match } = query;
    // Only the fields the schema knows, and none undefined (IPC carries JSON).
    const args = { since, ...(limit === undefined ? {} : { limit }), ...(match === undefined ? {} : { match }) };
    return this.call('listMetricNames', [args], options) as Promise<StoredMetricName[]>;
  }
  /** The primary's storage's state calls; each rejects permanently when that storage has no state role. */
  async putStateIfAbsent(key: string, value: unknown, options?: CallOptions): Promise<boolean> {
    // Sent as its JSON form, checked here first: what crosses the IPC is what the store would keep.
    const json = stateJson(value);
    return this.call('putStateIfAbsent', [key, JSON.parse(json)], options) as Promise<boolean>;
  }
  readState(prefix: string, options?: ReadStateOptions): Promise<StateEntry[]> {
    return this.call('readState', options?.limit === undefined ? [prefix] : [prefix, { limit: options.limit }], options) as Promise<StateEntry[]>;
  }
  deleteState(key: string, options?: CallOptions): Promise<boolean> {
    return this.call('deleteState', [key], options) as Promise<boolean>;
  }
  tryAcquire(key: string, ttlMs: number, options?: CallOptions): Promise<boolean> {
    return this.call('tryAcquire', [key, ttlMs], options) as Promise<boolean>;
  }
  saveAlert(alert: AlertRecord, options?: CallOptions): Promise<void> {
    return this.call('saveAlert', [alert], options) as Promise<void>;
  }
  queryAlerts(query: AlertQuery, options?: CallOptions): Promise<AlertRecord[]> {
    return this.call('queryAlerts', [query], options) as Promise<AlertRecord[]>;
  }
  saveRule(rule: StoredRule, options?: CallOptions): Promise<void> {
    return this.call('saveRule', [rule], options) as Promise<void>;
  }
  deleteRule(id: string, options?: CallOptions): Promise<boolean> {
    return this.call('deleteRule', [id], options) as Promise<boolean>;
  }
  listRules(options?: CallOptions): Promise<StoredRule[]> {
    return this.call('listRules', [], options) as Promise<StoredRule[]>;
  }
  saveDeadLetter(letter: DeadLetter, options?: CallOptions): Promise<void> {
    return this.call('saveDeadLetter', [letter], options) as Promise<void>;
  }
  listDeadLetters(query?: DeadLetterQuery, options?: CallOptions): Promise<DeadLetter[]> {
    return this.call('listDeadLetters', query === undefined ? [] : [query], options) as Promise<DeadLetter[]>;
  }
  deleteDeadLetter(id: string, options?: CallOptions): Promise<boolean> {
    return this.call('deleteDeadLetter', [id], options) as Promise<boolean>;
  }
  saveJobDeadLetter(letter: JobDeadLetter, options?: CallOptions): Promise<void> {
    return this.call('saveJobDeadLetter', [letter], options) as Promise<void>;
  }
  listJobDeadLetters(query?: JobDeadLetterQuery, options?: CallOptions): Promise<JobDeadLetter[]> {
    return this.call('listJobDeadLetters', query === undefined ? [] : [query], options) as Promise<JobDeadLetter[]>;
  }
  deleteJobDeadLetter(id: string, options?: CallOptions): Promise<boolean> {
    return this.call('deleteJobDeadLetter', [id], options) as Promise<boolean>;
  }
  purgeBefore(timestamp: number, options?: CallOptions): Promise<number> {
    return this.call('purgeBefore', [timestamp], options) as Promise<number>;
  }

  /** Stops listening to the primary; calls still waiting fail as transient StorageErrors. */
  async close(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    this.pending.close();
  }

  private call(op: StorageOp, args: unknown[], options: CallOptions | undefined): Promise<unknown> {
    return abortable(async () => {
      let tooLarge = false;
      const settled = await this.pending.request<Record<string, unknown>>('primary', this.timeout, (id) => {
        const envelope = encode({ t: 'call', c: this.tag, id, op, args }, this.maxBytes);
        if (envelope === undefined) tooLarge = true;
        return envelope !== undefined && this.endpoint.send(envelope);
      });
      if (tooLarge) throw new StorageError(`${op}: the call passes maxMessageBytes (${this.maxBytes}) and was not sent to the primary`, { permanent: true });
      if (!settled.ok) throw new StorageError(`${op}: the primary did not answer (${settled.reason})`);
      const answer = settled.value;
      if (answer.ok === true) return answer.value ?? undefined;
      const error = (answer.error ?? {}) as { message?: unknown; permanent?: unknown; rejected?: unknown };
      const rejected = Array.isArray(error.rejected) && error.rejected.every((i) => Number.isInteger(i)) ? (error.rejected as number[]) : undefined;
      throw new StorageError(`${op} on the primary's storage failed: ${String(error.message ?? 'unknown error')}`, { permanent: error.permanent === true, ...(rejected === undefined ? {} : { rejected }) });
    }, options?.signal);
  }

  private receive(raw: unknown): void {
    if (!isEnvelope(raw)) return;
    const decoded = decode(raw, this.maxBytes);
    if (!('message' in decoded)) return;
    const m = decoded.message;
    if (m.t === 'result' && m.c === this.tag) this.pending.answer(m.id, m);
  }
}

/**
 * A storage adapter for a `cluster` worker, a forked child or a worker thread that writes (and
 * reads) through its primary's storage over node's IPC: no store of its own, no server. Pass it
 * to the worker's `createMonitor({ storage })`; the primary serves it once it calls
 * {@link attachWorkers}. A call the primary does not answer within `timeout` fails as a transient
 * `StorageError`, which the recorder retries. Throws a `ConfigError` in a process without a
 * primary (and no `port`).
 */
export function primaryStorage(options: PrimaryStorageOptions = {}): PrimaryStorage {
  return new PrimaryStorage(options);
}
