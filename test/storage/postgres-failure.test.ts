import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, isPulsewatchError, type DroppedEvent, type Monitor, type PulsewatchError } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { StorageError } from '../../src/core/errors.js';
import { ManualClock } from '../../src/testing.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';
import { CuttableProxy } from '../helpers/postgres-proxy.js';

const available = await postgresAvailable('PostgresStorage failure tests');
const SLOT = 30_000;
const SERIES = 100;
const METRIC = 'jobs_total';

describe.skipIf(!available)('a monitor writing through PostgresStorage while the connection is cut', () => {
  const admin = testPool(1);
  const proxy = new CuttableProxy();
  const schema = uniqueSchema('pw_fail');
  const clock = new ManualClock(Math.floor(Date.now() / SLOT) * SLOT);
  let storage: PostgresStorage;
  let monitor: Monitor;
  const errors: PulsewatchError[] = [];
  const dropped: DroppedEvent[] = [];

  beforeAll(async () => {
    await proxy.start();
    storage = new PostgresStorage({
      connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
      schema,
      now: () => clock.now(),
      connectionTimeout: 2_000,
      queryTimeout: 5_000,
    });
    await storage.migrate();
    monitor = createMonitor({
      storage,
      clock,
      flush: { interval: SLOT, batchSize: 100, maxBuffered: 1_000, retry: { initialDelay: 1_000, maxDelay: 8_000, factor: 2, jitter: 0 } },
    });
    monitor.on('error', (e) => errors.push(e));
    monitor.on('dropped', (e) => dropped.push(e));
  });

  afterAll(async () => {
    await monitor?.close();
    await storage?.close();
    await proxy.stop();
    await dropSchema(admin, schema);
    await admin.end();
  });

  /** Increments every series once in the current slot (the value says which slot), then closes it. */
  async function recordSlot(slot: number): Promise<void> {
    const counter = monitor.counter({ name: METRIC, labelNames: ['queue'] });
    expect(() => {
      for (let i = 0; i < SERIES; i++) counter.inc({ queue: `q${i}` }, slot);
    }).not.toThrow();
    await clock.advanceAsync(SLOT); // closes the slot; the interval flush starts a write
    await monitor.flush(); // waits for the write (real I/O) to succeed or fail
  }

  const storedSlots = async (): Promise<Map<number, number>> => {
    const rollups = await storage.queryRollups({ name: METRIC });
    const bySlot = new Map<number, number>();
    for (const r of rollups) bySlot.set(r.sum, (bySlot.get(r.sum) ?? 0) + 1);
    return bySlot;
  };

  it('writes normally while connected', async () => {
    await recordSlot(1);
    expect(monitor.bufferedRollups).toBe(0);
    expect(dropped).toEqual([]);
    expect(await storedSlots()).toEqual(new Map([[1, SERIES]]));
    expect(errors).toEqual([]);
  });

  it('keeps recording while cut: never throws, buffers within its bound, reports StorageErrors with the cause', async () => {
    await proxy.cut();
    for (const slot of [2, 3, 4, 5]) {
      await recordSlot(slot);
      // Kept, not written: this slot's rollups and every earlier one (plus the monitor's own gauges), within the bound.
      expect(monitor.bufferedRollups).toBeGreaterThanOrEqual((slot - 1) * SERIES);
      expect(monitor.bufferedRollups).toBeLessThanOrEqual(1_000);
    }
    expect(dropped).toEqual([]);
    const writeErrors = errors.filter((e) => /writing \d+ rollups to "postgres" storage failed/.test(e.message));
    expect(writeErrors.length).toBeGreaterThanOrEqual(4);
    for (const e of writeErrors) {
      expect(isPulsewatchError(e)).toBe(true);
      expect(e).toBeInstanceOf(StorageError);
      expect(e.code).toBe('ERR_PULSEWATCH_STORAGE');
      expect(e.cause).toBeInstanceOf(StorageError); // the adapter's, which carries pg's error
      expect((e.cause as StorageError).cause).toBeInstanceOf(Error);
      expect((e.cause as StorageError).message).toMatch(/PostgresStorage \(schema "pw_fail_.*"\): writing 100 rollups failed/);
    }
    expect(writeErrors.at(-1)!.message).toMatch(/attempt \d+/);
    // A retry while still cut fails again and keeps everything.
    const buffered = monitor.bufferedRollups;
    const failures = errors.length;
    await clock.advanceAsync(8_000);
    await monitor.flush();
    expect(monitor.bufferedRollups).toBeGreaterThanOrEqual(buffered); // nothing lost (a slot of the monitor's own gauge may close)
    expect(errors.length).toBeGreaterThan(failures);
  });

  it('writes everything it kept once the connection is back', async () => {
    await proxy.restore();
    for (let i = 0; i < 10 && monitor.bufferedRollups > 0; i++) {
      await clock.advanceAsync(8_000); // the retry timer (backoff at most 8 s) fires
      await monitor.flush();
    }
    expect(monitor.bufferedRollups).toBe(0);
    expect(dropped).toEqual([]);
    expect(await storedSlots()).toEqual(
      new Map([
        [1, SERIES],
        [2, SERIES],
        [3, SERIES],
        [4, SERIES],
        [5, SERIES],
      ]),
    );
    // And it keeps working afterwards.
    const before = errors.length;
    await recordSlot(6);
    expect((await storedSlots()).get(6)).toBe(SERIES);
    expect(errors.length).toBe(before);
  });
});
