import { isPulsewatchError } from '../core/errors.js';
import type { Rollup, StorageAdapter, StorageRole } from '../storage/contract.js';
import type { AlertRecord, DeadLetter, JobDeadLetter, StoredRule } from '../storage/records.js';
import type { AdapterUnderTest, ConformanceApi } from './storage-conformance-api.js';

/** What the case files get from {@link describeStorageAdapter}: the test functions and the running test's adapter. */
export interface Harness {
  t: ConformanceApi;
  /** The adapter of the running test (made by the factory in beforeEach). */
  adapter(): AdapterUnderTest;
  /**
   * The running test's store. Typed as playing every role: a case calls only the roles it was
   * registered for (see `plays`).
   */
  storage(): StorageAdapter;
  /** The roles the adapter under test declares: the cases of the others are not registered. */
  roles: ReadonlySet<StorageRole>;
  /** True when the adapter declares every one of `roles`. */
  plays(...roles: StorageRole[]): boolean;
  /** Now on the adapter's clock. */
  now(): number;
  /** Lease expiry follows the server's clock: the cases that move time are not registered. */
  serverTime: boolean;
}

/** Length of one test slot; rollups of the suite start on multiples of it. */
export const SLOT = 10_000;

/** Metric name used by the rollup cases. */
export const METRIC = 'pw_conformance_requests_total';

/**
 * A slot boundary about 2.8 hours before now: slot 0 of the suite. Recent enough for any store
 * that keeps a day of rollups, old enough that 1,000 slots still end before now.
 */
export function baseTime(h: Harness): number {
  return Math.floor(h.now() / SLOT) * SLOT - 1_000 * SLOT;
}

/** A counter rollup of slot `slot` after `base`. */
export function rollup(base: number, slot: number, labels: Record<string, string> = {}, extra: Partial<Rollup> = {}): Rollup {
  const start = base + slot * SLOT;
  return { name: METRIC, kind: 'counter', labels, start, end: start + SLOT, count: 1, sum: slot, min: slot, max: slot, ...extra };
}

/** A firing alert record updated at `updatedAt`. */
export function alert(id: string, updatedAt: number, extra: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id,
    ruleId: 'rule-1',
    ruleName: 'High latency',
    fingerprint: '0123456789abcdef',
    labels: { alertname: 'High latency', severity: 'warning' },
    annotations: { summary: 'p95 above 1 s' },
    message: 'p95 = 2 s',
    severity: 'warning',
    type: 'performance',
    status: 'firing',
    value: 2,
    threshold: 1,
    activeAt: updatedAt - 60_000,
    startsAt: updatedAt,
    channels: [],
    recipients: [],
    service: 'api',
    updatedAt,
    ...extra,
  };
}

/** A resolved alert record that ended (and was last updated) at `at`. */
export function resolvedAlert(id: string, at: number, extra: Partial<AlertRecord> = {}): AlertRecord {
  return alert(id, at, { status: 'resolved', endsAt: at, startsAt: at - 60_000, activeAt: at - 120_000, ...extra });
}

/** A stored rule created at `createdAt`, with a few engine fields the adapter must keep opaquely. */
export function rule(id: string, createdAt: number, extra: Record<string, unknown> = {}): StoredRule {
  return { id, name: `rule ${id}`, createdAt, updatedAt: createdAt, metric: METRIC, threshold: 1, labels: { route: '/a' }, ...extra };
}

/** A notification dead letter that failed at `failedAt`. */
export function deadLetter(id: string, failedAt: number, channel = 'ops'): DeadLetter {
  return {
    id,
    channel,
    notification: { id: `${id}:1`, status: 'firing', reason: 'first notification', alert: alert(`alert-${id}`, failedAt - 1_000), service: 'api', createdAt: failedAt - 1_000 },
    error: 'HTTP 500',
    attempts: 4,
    failedAt,
  };
}

/** A job dead letter that failed at `failedAt`. */
export function jobLetter(id: string, failedAt: number, job = 'content-generation'): JobDeadLetter {
  return { id, job, data: { post: id, tags: ['a', 'b'], nested: { n: 1, none: null } }, error: 'Timeout', attempts: 3, failedAt };
}

/** The ids of records, in order. */
export function ids(records: readonly { id: string }[]): string[] {
  return records.map((r) => r.id);
}

/**
 * Calls `call` and returns what it rejected with; fails (through `expect`) when it resolved or
 * threw synchronously instead of returning a rejected promise.
 */
export async function rejection(h: Harness, what: string, call: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    h.t.expect(`${what} threw synchronously: ${String(error)}`).toBe(`${what} returned a rejected promise`);
    return error;
  }
  const outcome = await promise.then(
    () => ({ resolved: true, error: undefined as unknown }),
    (error: unknown) => ({ resolved: false, error }),
  );
  h.t.expect(`${what} ${outcome.resolved ? 'resolved' : 'rejected'}`).toBe(`${what} rejected`);
  return outcome.error;
}

/** Asserts that `error` is a pulsewatch StorageError, by its brand and code (works across package copies). */
export function expectStorageError(h: Harness, what: string, error: unknown): void {
  const code = isPulsewatchError(error) ? error.code : `not a pulsewatch error: ${String(error)}`;
  h.t.expect(`${what}: ${code}`).toBe(`${what}: ERR_PULSEWATCH_STORAGE`);
}
