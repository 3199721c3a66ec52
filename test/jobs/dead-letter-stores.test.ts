/**
 * A job dead letter round trip (issue 17 item 3): every field the runner writes (the storage
 * contract's JobDeadLetter and the runner's own: status, timestamps, retries, priority) reads back
 * the same from MemoryStorage and from the real Redis and PostgreSQL, and another instance on the
 * same store retries the letter at the job's priority.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import type { JobDeadLetter } from '../../src/storage/records.js';
import type { StorageAdapter } from '../../src/storage/roles.js';
import { postgresAvailable, uniqueSchema } from '../helpers/postgres-db.js';
import { redisAvailable } from '../helpers/redis-env.js';
import { clearSharedStore, openSharedStore } from '../helpers/shared-store.js';
import { deferred, jobsHarness, T0 } from './harness.js';

const PAYLOAD = { exportId: 'exp-1', rows: [1, 2.5, -3, 1e21], nested: { name: 'ünïcode ✓ "quoted" \\ back', empty: null, flag: true, list: [] } };

describe.each(['memory', 'redis', 'postgres'] as const)('job dead letters through %s', (kind) => {
  const reachable = kind === 'memory' ? Promise.resolve(true) : kind === 'redis' ? redisAvailable('job dead letters on Redis') : postgresAvailable('job dead letters on PostgreSQL');
  const namespace = kind === 'redis' ? `pwJ:${randomUUID()}:` : uniqueSchema('pw_j');
  const opened: StorageAdapter[] = [];
  const open = async (): Promise<StorageAdapter> => {
    const storage = kind === 'memory' ? (opened[0] ?? new MemoryStorage()) : await openSharedStore(kind, namespace);
    opened.push(storage);
    return storage;
  };

  afterAll(async () => {
    await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
    if (kind !== 'memory' && (await reachable)) await clearSharedStore(kind, namespace);
  }, 60_000);

  it('keeps every field of a letter, and another instance retries it at the job priority', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const storage = await open();
    const saved: JobDeadLetter[] = [];
    const save = storage.saveJobDeadLetter.bind(storage);
    storage.saveJobDeadLetter = (letter, options) => (saved.push(structuredClone(letter)), save(letter, options));
    const clock = new ManualClock(T0);
    const first = jobsHarness({ storage, clock, service: 'letters', jobs: { random: () => 0 } });
    first.jobs.define('export-data', (p: typeof PAYLOAD) => {
      throw new Error(`export ${p.exportId} failed: ünïcode ✓`);
    }, { priority: 'LOW', retries: 1, idempotencyKey: (p: typeof PAYLOAD) => p.exportId });
    const handle = await first.jobs.enqueue('export-data', PAYLOAD, { priority: 'HIGH' });
    void handle.result.catch(() => undefined);
    await clock.advanceAsync(5_000);
    await first.jobs.close();
    expect(saved).toEqual([
      {
        id: handle.id,
        job: 'export-data',
        data: PAYLOAD,
        error: 'export exp-1 failed: ünïcode ✓',
        attempts: 2,
        failedAt: T0 + 1_000,
        idempotencyKey: 'exp-1',
        status: 'pending',
        createdAt: T0,
        lastAttemptAt: T0 + 1_000,
        retries: 0,
        priority: 'high',
      },
    ]);
    // What the store gives back, read by another connection: the same document, field for field.
    const other = await open();
    expect(await other.listJobDeadLetters({ job: 'export-data' })).toEqual(saved);

    // Another instance: its one slot is busy and a LOW job waits when the letter is retried.
    const second = jobsHarness({ storage: other, clock, service: 'letters' });
    const order: string[] = [];
    const gate = deferred();
    second.jobs.define('export-data', async (p: typeof PAYLOAD | string) => {
      order.push(typeof p === 'string' ? p : p.exportId);
      if (p === 'busy') await gate.promise;
    }, { priority: 'LOW', concurrency: 1 });
    const busy = await second.jobs.enqueue('export-data', 'busy');
    const low = await second.jobs.enqueue('export-data', 'queued-low');
    const retried = await second.jobs.deadLetters.retry(handle.id);
    gate.resolve();
    await Promise.all([busy.result, low.result, retried.result]);
    expect(order).toEqual(['busy', 'exp-1', 'queued-low']);
    await clock.advanceAsync(0);
    await second.jobs.close();
    expect(await other.listJobDeadLetters({})).toEqual([]);
  }, 30_000);
});
