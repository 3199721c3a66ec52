import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import type { DropReason } from '../../src/core/events.js';
import { Recorder, type RecorderSettings } from '../../src/metrics/recorder.js';
import type { CallOptions, Rollup } from '../../src/storage/contract.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { rollupProblem } from '../../src/storage/rollup-validation.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;
const SECRET = 'tenant-secret-😀'.slice(0, 15); // ends in a lone surrogate, as a cut string would

/** A genuine counter rollup of slot `slot`, in one of ten series (a MemoryStorage series keeps 1,000 points). */
function genuine(slot: number, n = slot % 10): Rollup {
  const start = T0 + slot * SLOT;
  return { name: 'requests_total', kind: 'counter', labels: { n: String(n) }, start, end: start + SLOT, count: 1, sum: 1, min: 1, max: 1 };
}

/** A rollup jsonb refuses: a label value holding a lone surrogate. */
function poisoned(slot: number): Rollup {
  return { ...genuine(slot), name: 'checkout_total', labels: { tenant: SECRET } };
}

type Mode = 'atomic' | 'named' | 'plain';

/**
 * A store over a real MemoryStorage that rejects invalid rollups the way a real store may:
 * `atomic` fails the whole batch with a permanent StorageError and stores nothing (PostgreSQL's
 * one INSERT hitting SQLSTATE 22P05); `named` stores the others and names the bad indexes;
 * `plain` throws a plain Error (a custom adapter that does not classify). `transient(n)` makes
 * the next n writes fail with a connection-like error first.
 */
class RejectingStorage extends MemoryStorage {
  readonly calls: number[] = [];
  private transientLeft = 0;

  constructor(
    private readonly mode: Mode,
    now: () => number,
  ) {
    super({ now });
  }

  transient(n: number): void {
    this.transientLeft = n;
  }

  override async writeRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void> {
    this.calls.push(rollups.length);
    if (this.transientLeft > 0) {
      this.transientLeft--;
      throw new StorageError('connection reset');
    }
    const bad = rollups.flatMap((r, i) => (rollupProblem(r) === undefined ? [] : [i]));
    if (bad.length === 0 || this.mode === 'named') return super.writeRollups(rollups, options);
    if (this.mode === 'plain') throw new Error('invalid input syntax for type json');
    throw new StorageError('unsupported Unicode escape sequence (SQLSTATE 22P05)', { permanent: true });
  }
}

function setup(mode: Mode, overrides: Partial<RecorderSettings> = {}) {
  const clock = new ManualClock(T0 + 1_000 * SLOT);
  const storage = new RejectingStorage(mode, () => clock.now());
  const log = { failed: [] as StorageError[], dropped: [] as [DropReason, number][], flushed: [] as number[] };
  const settings: RecorderSettings = { batchSize: 100, maxBuffered: 10_000, retry: { initialDelay: 1_000, maxDelay: 60_000, factor: 2, jitter: 0 }, ...overrides };
  const recorder = new Recorder(storage, clock, settings, {
    flushed: (rollups) => log.flushed.push(rollups),
    dropped: (reason, count) => log.dropped.push([reason, count]),
    failed: (error) => log.failed.push(error),
  });
  const stored = async () => (await storage.queryRollups({ name: 'requests_total' })).length;
  return { clock, storage, recorder, log, stored };
}

describe('Recorder: a rollup the store rejects as invalid', () => {
  for (const mode of ['atomic', 'named'] as const) {
    it(`(${mode}) is dropped as 'rejected' once, and the 1,200 genuine rollups around it are all written`, async () => {
      const { recorder, log, stored } = setup(mode);
      recorder.add([...Array.from({ length: 37 }, (_, i) => genuine(i)), poisoned(37), ...Array.from({ length: 63 }, (_, i) => genuine(38 + i))]);
      await recorder.flush();
      for (let round = 0; round < 11; round++) {
        recorder.add(Array.from({ length: 100 }, (_, i) => genuine(200 + round * 100 + i)));
        await recorder.flush();
      }
      expect(await stored()).toBe(1_200);
      expect(recorder.buffered).toBe(0);
      expect(recorder.backingOff).toBe(false);
      expect(log.dropped).toEqual([['rejected', 1]]);
      expect(log.failed).toHaveLength(1);
      const [error] = log.failed;
      expect(error!.permanent).toBe(true);
      expect(error!.message).toContain('rejected 1 rollup as invalid');
      expect(error!.message).toContain("reason 'rejected'");
      // The metric is named; the label value (possibly a secret) never is.
      expect(error!.message).not.toContain('tenant-secret');
      expect(log.flushed.reduce((a, b) => a + b, 0)).toBe(1_200);
    });
  }

  it('(atomic) splits the batch: one bad rollup among 100 costs at most 2 log2(100) extra writes, and nothing is written twice', async () => {
    const { recorder, storage, stored } = setup('atomic');
    recorder.add([...Array.from({ length: 99 }, (_, i) => genuine(i)), poisoned(99)]);
    await recorder.flush();
    expect(await stored()).toBe(99);
    expect(storage.calls.length - 1).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(100)));
    // Every genuine rollup went into exactly one successful write: no slot is counted twice.
    expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => r.start)).toEqual(Array.from({ length: 99 }, (_, i) => T0 + i * SLOT));
  });

  it('(atomic) sets aside several bad rollups in one batch and keeps the order of the rest', async () => {
    const { recorder, log, storage } = setup('atomic');
    const batch = Array.from({ length: 20 }, (_, i) => (i % 7 === 3 ? poisoned(i) : genuine(i)));
    recorder.add(batch);
    await recorder.flush();
    expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => (r.start - T0) / SLOT)).toEqual(
      Array.from({ length: 20 }, (_, i) => i).filter((i) => i % 7 !== 3),
    );
    expect(log.dropped).toEqual([['rejected', 3]]);
    expect(log.failed.map((e) => e.message.includes('rejected 3 rollups'))).toEqual([true]);
  });

  it('(atomic) a transient failure while splitting keeps the untried rest for the retry; nothing is lost or rejected twice', async () => {
    const { recorder, storage, log, stored, clock } = setup('atomic');
    recorder.add([...Array.from({ length: 10 }, (_, i) => genuine(i)), poisoned(10), ...Array.from({ length: 9 }, (_, i) => genuine(11 + i))]);
    // The batch fails permanently; its first half is written; the second half meets a lost connection.
    const write = storage.writeRollups.bind(storage);
    let n = 0;
    storage.writeRollups = async (rollups, options) => {
      if (++n === 3) storage.transient(1);
      return write(rollups, options);
    };
    await recorder.flush();
    expect(await stored()).toBe(10);
    expect(recorder.buffered).toBe(10);
    expect(recorder.backingOff).toBe(true);
    expect(log.failed.map((e) => e.permanent)).toEqual([false]);
    await clock.advanceAsync(1_000);
    expect(await stored()).toBe(19);
    expect(recorder.buffered).toBe(0);
    expect(log.dropped).toEqual([['rejected', 1]]);
  });

  it('a plain Error from a custom adapter stays transient: kept and retried, never dropped', async () => {
    const { recorder, log, clock, storage } = setup('plain');
    recorder.add([genuine(0), poisoned(1)]);
    await recorder.flush();
    expect(recorder.buffered).toBe(2);
    expect(recorder.backingOff).toBe(true);
    await clock.advanceAsync(1_000);
    expect(storage.calls).toEqual([2, 2]);
    expect(log.dropped).toEqual([]);
    expect(log.failed.map((e) => e.permanent)).toEqual([false, false]);
  });

  it('a StorageError without permanent (a timeout, a lost connection) is retried whole, as before', async () => {
    const { recorder, log, clock, storage, stored } = setup('atomic');
    storage.transient(2);
    recorder.add(Array.from({ length: 5 }, (_, i) => genuine(i)));
    await recorder.flush();
    expect(recorder.buffered).toBe(5);
    await clock.advanceAsync(1_000);
    expect(recorder.buffered).toBe(5);
    await clock.advanceAsync(2_000);
    expect(await stored()).toBe(5);
    expect(storage.calls).toEqual([5, 5, 5]);
    expect(log.dropped).toEqual([]);
  });

  it('close() isolates a rejected batch too, and reports as shutdown only what it could not write', async () => {
    const { recorder, log, stored } = setup('atomic');
    recorder.add([genuine(0), poisoned(1), genuine(2)]);
    await recorder.close(10_000);
    expect(await stored()).toBe(2);
    expect(log.dropped).toEqual([['rejected', 1]]);
  });

  it('close() giving up in the middle of a split counts every rollup once: written, rejected or shutdown', async () => {
    const { recorder, storage, log, stored, clock } = setup('atomic');
    recorder.add([...Array.from({ length: 7 }, (_, i) => genuine(i)), poisoned(7)]);
    // The first write fails permanently; the first half (0-3) is written; the second half hangs.
    const write = storage.writeRollups.bind(storage);
    let n = 0;
    let hung!: () => void;
    const reached = new Promise<void>((resolve) => (hung = resolve));
    storage.writeRollups = async (rollups, options) => {
      if (++n === 3) {
        hung();
        return new Promise<void>(() => undefined);
      }
      return write(rollups, options);
    };
    const closing = recorder.close(5_000);
    await reached;
    clock.advance(5_000); // the write hangs until close() gives up on it
    await closing;
    expect(await stored()).toBe(4);
    expect(log.dropped).toEqual([['shutdown', 4]]);
    expect(recorder.buffered).toBe(0);
  });
});
