import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPulsewatchError, type StorageError } from '../../src/core/errors.js';
import type { DropReason } from '../../src/core/events.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { PostgresStorage } from '../../src/postgres.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { alert } from '../../src/testing/storage-conformance-fixtures.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage poison isolation');
const SLOT = 30_000;
const SERIES = 20;

describe.skipIf(!available)('PostgresStorage: one bad value never stops later writes', () => {
  const pool = testPool(4);
  const schema = uniqueSchema('pw_poison');
  const clock = new ManualClock(Math.floor(Date.now() / SLOT) * SLOT);
  const storage = new PostgresStorage({ pool, schema, now: () => clock.now() });

  beforeAll(() => storage.migrate());
  afterAll(async () => {
    await storage.close();
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('a lone-surrogate label and a -1e16 timestamp are dropped as rejected; all 1,200 genuine increments after them are stored', async () => {
    const dropped: [DropReason, number][] = [];
    const failed: StorageError[] = [];
    const recorder = new Recorder(storage, clock, { batchSize: 100, concurrency: 4, maxBuffered: 10_000, retry: { initialDelay: 1_000, maxDelay: 8_000, factor: 2, jitter: 0 } }, {
      flushed: () => undefined,
      dropped: (reason, count) => dropped.push([reason, count]),
      failed: (error) => failed.push(error),
    });
    const base = clock.now() - 100 * SLOT;
    const slot = (i: number, labels: Record<string, string>): Rollup => ({
      name: 'jobs_total',
      kind: 'counter',
      labels,
      start: base + i * SLOT,
      end: base + (i + 1) * SLOT,
      count: 1,
      sum: 1,
      min: 1,
      max: 1,
      service: 'api',
    });
    // What the probe sent: a label cut mid-emoji (jsonb refuses \ud800) and "timestamp": -1e16.
    recorder.add([slot(0, { queue: '😀 Bob'.slice(0, 1) }), { ...slot(0, { queue: 'q0' }), start: -1e16, end: -1e16 + SLOT }]);
    for (let i = 1; i <= 60; i++) recorder.add(Array.from({ length: SERIES }, (_, q) => slot(i, { queue: `q${q}` })));
    await recorder.flush();

    const stored = await storage.queryRollups({ name: 'jobs_total' });
    expect(stored).toHaveLength(60 * SERIES);
    expect(stored.reduce((n, r) => n + r.sum, 0)).toBe(1_200);
    expect(recorder.buffered).toBe(0);
    expect(recorder.backingOff).toBe(false);
    expect(dropped).toEqual([['rejected', 2]]);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.permanent).toBe(true);
    expect(failed[0]!.message).toContain('rejected 2 rollups as invalid');
    expect(failed[0]!.message).toContain('"jobs_total"');
    // Later reads are not broken by anything half-stored.
    expect(await storage.queryRollups({ name: 'jobs_total', labels: { queue: 'q0' } })).toHaveLength(60);
  });

  it('classes a SQLSTATE data exception as permanent (U+0000 in a text column: 22021)', async () => {
    const error = await storage.saveAlert({ ...alert('a1', clock.now()), fingerprint: 'nul\u0000byte' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPulsewatchError(error) && error.code).toBe('ERR_PULSEWATCH_STORAGE');
    expect((error as StorageError).permanent).toBe(true);
    expect((error as StorageError).message).toContain('SQLSTATE 22021');
  });

  it('keeps a refused connection transient', async () => {
    const down = new PostgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:1/test', schema, connectionTimeout: 1_000 });
    try {
      const error = await down.writeRollups([]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPulsewatchError(error) && error.code).toBe('ERR_PULSEWATCH_STORAGE');
      expect((error as StorageError).permanent).toBe(false);
    } finally {
      await down.close();
    }
  });
});
