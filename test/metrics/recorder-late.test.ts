import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import type { DropReason } from '../../src/core/events.js';
import { Recorder, type RecorderSettings } from '../../src/metrics/recorder.js';
import type { CallOptions, Rollup } from '../../src/storage/contract.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;
const NOW = T0 + 100 * SLOT;

/** A rollup of the slot just closed (`current`) or of one long before it (`late`), numbered `n`. */
function rollup(kind: 'current' | 'late', n: number): Rollup {
  const start = kind === 'current' ? NOW - SLOT : T0 + (n % 50) * SLOT;
  return { name: `${kind}_total`, kind: 'counter', labels: { n: String(n) }, start, end: start + SLOT, count: 1, sum: n, min: n, max: n };
}

const many = (kind: 'current' | 'late', from: number, count: number) => Array.from({ length: count }, (_, i) => rollup(kind, from + i));

/** A real MemoryStorage that can be switched down, logging each batch's names in write order. */
class SwitchableStorage extends MemoryStorage {
  down = false;
  readonly order: string[] = [];

  override async writeRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void> {
    if (this.down) throw new StorageError('connection refused');
    for (const r of rollups) this.order.push(r.name);
    return super.writeRollups(rollups, options);
  }
}

function setup(overrides: Partial<RecorderSettings> = {}) {
  const clock = new ManualClock(NOW);
  const storage = new SwitchableStorage({ now: () => clock.now() });
  const dropped: [DropReason, number][] = [];
  const settings: RecorderSettings = { batchSize: 10, maxBuffered: 100, retry: { initialDelay: 1_000, maxDelay: 60_000, factor: 2, jitter: 0 }, ...overrides };
  const recorder = new Recorder(storage, clock, settings, { flushed: () => undefined, dropped: (reason, count) => dropped.push([reason, count]), failed: () => undefined });
  const count = async (name: string) => (await storage.queryRollups({ name })).length;
  return { clock, storage, recorder, dropped, count };
}

describe('Recorder.addLate: late rollups never displace current ones', () => {
  it('keeps at most maxLate late rollups; past it the new ones are dropped as late', async () => {
    const { recorder, storage, dropped, count } = setup({ maxLate: 25 });
    storage.down = true;
    recorder.addLate(many('late', 0, 40));
    expect(recorder.bufferedLate).toBe(25);
    expect(dropped).toEqual([['late', 15]]);
    storage.down = false;
    await recorder.flush();
    // The first 25 were kept: the ones dropped are the new ones past the cap.
    expect((await storage.queryRollups({ name: 'late_total' })).map((r) => r.sum).sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(await count('late_total')).toBe(25);
  });

  it('defaults maxLate to a quarter of maxBuffered', () => {
    const { recorder, storage, dropped } = setup({ maxBuffered: 100 });
    storage.down = true;
    recorder.addLate(many('late', 0, 30));
    expect(recorder.bufferedLate).toBe(25);
    expect(dropped).toEqual([['late', 5]]);
  });

  it('a full buffer of current rollups stays whole when late ones arrive: the late ones go', async () => {
    const { recorder, storage, dropped, count } = setup({ maxBuffered: 100, maxLate: 25 });
    storage.down = true;
    recorder.add(many('current', 0, 100));
    for (let i = 0; i < 11; i++) recorder.addLate(many('late', i * 20, 20));
    expect(recorder.buffered).toBe(100);
    expect(recorder.bufferedLate).toBe(0);
    expect(dropped.filter(([reason]) => reason === 'buffer_full').reduce((n, [, c]) => n + c, 0)).toBe(220);
    storage.down = false;
    await recorder.flush();
    expect(await count('current_total')).toBe(100);
  });

  it('when current rollups fill the buffer, late ones are trimmed first, then the oldest current ones', async () => {
    const { recorder, storage, dropped, count } = setup({ maxBuffered: 100, maxLate: 25 });
    storage.down = true;
    recorder.addLate(many('late', 0, 25));
    recorder.add(many('current', 0, 90)); // 115: the 15 oldest late ones go
    expect(recorder.bufferedLate).toBe(10);
    recorder.add(many('current', 90, 20)); // 120: the last 10 late ones, then 10 current ones
    expect(recorder.bufferedLate).toBe(0);
    expect(dropped).toEqual([['buffer_full', 15], ['buffer_full', 20]]);
    storage.down = false;
    await recorder.flush();
    expect((await storage.queryRollups({ name: 'current_total' })).map((r) => r.sum).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => 10 + i));
    expect(await count('late_total')).toBe(0);
  });

  it('writes current rollups before late ones, and late ones in the order they came', async () => {
    const { recorder, storage } = setup({ maxLate: 25 });
    recorder.addLate(many('late', 0, 5));
    recorder.add(many('current', 0, 12));
    recorder.addLate(many('late', 5, 3));
    await recorder.flush();
    expect(storage.order).toEqual([...Array(12).fill('current_total'), ...Array(8).fill('late_total')]);
    expect((await storage.queryRollups({ name: 'late_total' })).map((r) => r.sum).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('a failed batch goes back to its own queues; late ones queued meanwhile stay within maxLate', async () => {
    const { recorder, storage, dropped, clock, count } = setup({ batchSize: 100, maxLate: 10 });
    recorder.add(many('current', 0, 5));
    recorder.addLate(many('late', 0, 10));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const write = storage.writeRollups.bind(storage);
    storage.writeRollups = async () => {
      await held;
      storage.writeRollups = write;
      throw new StorageError('timeout');
    };
    const flushing = recorder.flush();
    await clock.advanceAsync(0);
    recorder.addLate(many('late', 10, 10)); // the 10 in flight left room for 10 more
    release();
    await flushing;
    expect(recorder.bufferedLate).toBe(10);
    expect(recorder.buffered).toBe(15);
    expect(dropped).toEqual([['late', 10]]);
    await clock.advanceAsync(1_000);
    expect(await count('current_total')).toBe(5);
    expect((await storage.queryRollups({ name: 'late_total' })).map((r) => r.sum).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });
});

describe('Recorder hooks that throw', () => {
  it('without hookFailed, never throw into the host (no uncaught exception), and the recorder carries on', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const clock = new ManualClock(NOW);
      const storage = new MemoryStorage({ now: () => clock.now() });
      const recorder = new Recorder(storage, clock, { batchSize: 10, maxBuffered: 1, retry: { initialDelay: 1, maxDelay: 1, factor: 1, jitter: 0 } }, {
        flushed() {
          throw new Error('flushed listener');
        },
        dropped() {
          throw new Error('dropped listener');
        },
        failed() {
          throw new Error('failed listener');
        },
      });
      recorder.add(many('current', 0, 2));
      await expect(recorder.flush()).resolves.toBeUndefined();
      await expect(recorder.close(1_000)).resolves.toBe(true);
      expect(await storage.queryRollups({ name: 'current_total' })).toHaveLength(1);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('a hookFailed that throws as well does not reject flush()', async () => {
    const clock = new ManualClock(NOW);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const recorder = new Recorder(storage, clock, { batchSize: 10, maxBuffered: 10, retry: { initialDelay: 1, maxDelay: 1, factor: 1, jitter: 0 } }, {
      flushed() {
        throw new Error('listener');
      },
      dropped: () => undefined,
      failed: () => undefined,
      hookFailed() {
        throw new Error('reporter');
      },
    });
    recorder.add(many('current', 0, 3));
    await expect(recorder.flush()).resolves.toBeUndefined();
    expect(await storage.queryRollups({ name: 'current_total' })).toHaveLength(3);
  });
});
