import { describe, expect, it } from 'vitest';
import { ConfigError, isPulsewatchError, StorageError } from '../../src/core/errors.js';
import type { Rollup } from '../../src/storage/contract.js';
import { MemoryStorage, type MemoryStorageOptions } from '../../src/storage/memory/memory-storage.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;
const HOUR = 3_600_000;

/** A store whose time is `time.now`, moved by the test. */
function store(options: MemoryStorageOptions = {}) {
  const time = { now: T0 };
  const storage = new MemoryStorage({ now: () => time.now, ...options });
  return { storage, time };
}

/** A counter rollup of slot `slot` (0 = the slot starting at `base`). */
function rollup(slot: number, labels: Record<string, string> = {}, extra: Partial<Rollup> = {}, base = T0): Rollup {
  const start = base + slot * SLOT;
  return { name: 'requests_total', kind: 'counter', labels, start, end: start + SLOT, count: 1, sum: slot, min: slot, max: slot, ...extra };
}

describe('options', () => {
  it.each([
    [{ retention: 'forever' }, 'retention', '"forever"'],
    [{ retention: -1 }, 'retention', 'duration'],
    [{ retention: 0 }, 'retention', 'greater than 0'],
    [{ maxPointsPerSeries: 0 }, 'maxPointsPerSeries', '>0'],
    [{ maxPointsPerSeries: 2.5 }, 'maxPointsPerSeries', 'int'],
    [{ now: 5 }, 'now', 'function'],
  ])('rejects %o with a ConfigError naming the option', (options, option, problem) => {
    let error: unknown;
    try {
      new MemoryStorage(options as MemoryStorageOptions);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('ERR_PULSEWATCH_CONFIG');
    expect((error as ConfigError).message).toContain(`${option}:`);
    expect((error as ConfigError).message).toContain(problem);
  });

  it('rejects options that are not an object', () => {
    expect(() => new MemoryStorage(null as unknown as MemoryStorageOptions)).toThrow(/invalid MemoryStorage options: options: /);
  });

  it('accepts durations as strings and never writes to the options object', async () => {
    const time = { now: T0 };
    const options = Object.freeze({ retention: '1h', maxPointsPerSeries: 5, now: () => time.now });
    const storage = new MemoryStorage(options);
    expect(options).toEqual({ retention: '1h', maxPointsPerSeries: 5, now: options.now });
    await storage.writeRollups([rollup(0)]);
    time.now = T0 + SLOT + HOUR;
    expect(await storage.queryRollups({ name: 'requests_total' })).toEqual([]);
  });
});

describe('writeRollups and queryRollups', () => {
  it('returns what was written, with every field', async () => {
    const { storage } = store();
    const written: Rollup = {
      ...rollup(0, { route: '/a' }),
      kind: 'histogram',
      hdr: 'HISTFAAAAB94nJNpmSzMwMDAwgABzFCaEUzOmNZg/wEiAOMqBGo=',
      resolution: 1e-6,
      service: 'checkout',
      last: undefined,
    };
    await storage.writeRollups([written]);
    expect(await storage.queryRollups({ name: 'requests_total' })).toEqual([written]);
  });

  it('returns [] for a name never written', async () => {
    const { storage } = store();
    await storage.writeRollups([rollup(0)]);
    expect(await storage.queryRollups({ name: 'other_total' })).toEqual([]);
  });

  it('orders results by start across series, whatever the write order', async () => {
    const { storage } = store();
    await storage.writeRollups([rollup(2, { route: '/a' }), rollup(0, { route: '/b' }), rollup(1, { route: '/a' })]);
    await storage.writeRollups([rollup(0, { route: '/a' }), rollup(3, { route: '/b' })]);
    const got = await storage.queryRollups({ name: 'requests_total' });
    expect(got.map((r) => r.start - T0)).toEqual([0, 0, SLOT, 2 * SLOT, 3 * SLOT]);
  });

  it('matches series whose labels include every query label (a subset match)', async () => {
    const { storage } = store();
    await storage.writeRollups([
      rollup(0, { route: '/a', method: 'GET' }),
      rollup(0, { route: '/a', method: 'POST' }),
      rollup(0, { route: '/b', method: 'GET' }),
      rollup(0, {}),
    ]);
    const labelsOf = async (labels: Record<string, string> | undefined) =>
      (await storage.queryRollups({ name: 'requests_total', labels })).map((r) => r.labels);
    expect(await labelsOf({ route: '/a' })).toEqual([
      { route: '/a', method: 'GET' },
      { route: '/a', method: 'POST' },
    ]);
    expect(await labelsOf({ route: '/a', method: 'POST' })).toEqual([{ route: '/a', method: 'POST' }]);
    expect(await labelsOf({ route: '/c' })).toEqual([]);
    expect(await labelsOf({ status: '200' })).toEqual([]);
    expect(await labelsOf({})).toHaveLength(4);
    expect(await labelsOf(undefined)).toHaveLength(4);
  });

  it('returns rollups whose slot overlaps (from, to): end after from, start before to', async () => {
    const { storage } = store();
    await storage.writeRollups([0, 1, 2, 3].map((slot) => rollup(slot)));
    const slots = async (from?: number, to?: number) =>
      (await storage.queryRollups({ name: 'requests_total', from, to })).map((r) => (r.start - T0) / SLOT);
    expect(await slots()).toEqual([0, 1, 2, 3]);
    // Bounds are exclusive: a slot ending exactly at `from` or starting exactly at `to` is out.
    expect(await slots(T0 + SLOT, T0 + 3 * SLOT)).toEqual([1, 2]);
    // A bound inside a slot takes the slot.
    expect(await slots(T0 + SLOT + 1, T0 + 2 * SLOT + 1)).toEqual([1, 2]);
    expect(await slots(T0 + 4 * SLOT)).toEqual([]);
    expect(await slots(undefined, T0)).toEqual([]);
  });

  it('keeps its own copy: changing a written or a returned rollup does not change the store', async () => {
    const { storage } = store();
    const labels = { route: '/a' };
    const written = rollup(0, labels);
    await storage.writeRollups([written]);
    labels.route = '/changed';
    written.sum = 99;
    const [read] = await storage.queryRollups({ name: 'requests_total' });
    (read!.labels as Record<string, string>).route = '/hacked';
    read!.count = 1_000;

    const again = await storage.queryRollups({ name: 'requests_total', labels: { route: '/a' } });
    expect(again).toEqual([rollup(0, { route: '/a' })]);
    expect(await storage.queryRollups({ name: 'requests_total', labels: { route: '/hacked' } })).toEqual([]);
  });
});

describe('retention', () => {
  it('by age defaults to 24 hours', async () => {
    const { storage, time } = store();
    await storage.writeRollups([rollup(0), rollup(1)]);
    time.now = T0 + SLOT + 24 * HOUR - 1;
    expect(await storage.queryRollups({ name: 'requests_total' })).toHaveLength(2);
    time.now = T0 + SLOT + 24 * HOUR; // the first slot ended exactly 24 h ago
    expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => r.start)).toEqual([T0 + SLOT]);
    time.now = T0 + 2 * SLOT + 24 * HOUR;
    expect(await storage.queryRollups({ name: 'requests_total' })).toEqual([]);
  });

  it('by age does not store rollups that are already too old', async () => {
    const { storage, time } = store({ retention: '1h' });
    time.now = T0 + SLOT + HOUR;
    await storage.writeRollups([rollup(0), rollup(1)]);
    expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => r.start)).toEqual([T0 + SLOT]);
    // Gone for good, not merely hidden: purging finds nothing more to remove from the first slot.
    expect(await storage.purgeBefore(T0 + SLOT)).toBe(0);
  });

  it('by age frees expired data on later writes, not only hides it', async () => {
    const { storage, time } = store({ retention: '1h' });
    await storage.writeRollups([rollup(0, { user: 'a' }), rollup(1, { user: 'b' })]);
    time.now = T0 + 2 * SLOT + HOUR;
    await storage.writeRollups([rollup(0, { user: 'c' }, {}, time.now)]);
    // Both old series were swept on that write, so purging everything before now finds nothing of them.
    expect(await storage.purgeBefore(T0 + 2 * SLOT + 1)).toBe(0);
    expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => r.labels.user)).toEqual(['c']);
  });

  it('by points keeps at most 1000 per series by default, dropping the oldest first', async () => {
    const { storage } = store();
    const slots = Array.from({ length: 1_005 }, (_, i) => i);
    // Written newest first, so the trim must go by start, not by arrival.
    await storage.writeRollups(slots.reverse().map((slot) => rollup(slot, { route: '/a' })));
    await storage.writeRollups([rollup(0, { route: '/b' })]);
    const a = await storage.queryRollups({ name: 'requests_total', labels: { route: '/a' } });
    expect(a).toHaveLength(1_000);
    expect(a[0]!.start).toBe(T0 + 5 * SLOT);
    expect(a.at(-1)!.start).toBe(T0 + 1_004 * SLOT);
    expect(await storage.queryRollups({ name: 'requests_total', labels: { route: '/b' } })).toHaveLength(1);
  });

  it('by points honours maxPointsPerSeries', async () => {
    const { storage } = store({ maxPointsPerSeries: 3 });
    for (let slot = 0; slot < 5; slot++) await storage.writeRollups([rollup(slot)]);
    expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => r.sum)).toEqual([2, 3, 4]);
  });
});

describe('tryAcquire', () => {
  it('gives a key to one caller until its ttl passes', async () => {
    const { storage, time } = store();
    expect(await storage.tryAcquire('alert:cpu', 60_000)).toBe(true);
    expect(await storage.tryAcquire('alert:cpu', 60_000)).toBe(false);
    expect(await storage.tryAcquire('alert:mem', 60_000)).toBe(true);
    time.now = T0 + 59_999;
    expect(await storage.tryAcquire('alert:cpu', 60_000)).toBe(false);
    time.now = T0 + 60_000;
    expect(await storage.tryAcquire('alert:cpu', 60_000)).toBe(true);
    // The new lease runs from the moment it was taken.
    time.now = T0 + 119_999;
    expect(await storage.tryAcquire('alert:cpu', 1)).toBe(false);
  });

  it('a refused call does not extend the lease', async () => {
    const { storage, time } = store();
    expect(await storage.tryAcquire('k', 10_000)).toBe(true);
    time.now = T0 + 9_000;
    expect(await storage.tryAcquire('k', 10_000)).toBe(false);
    time.now = T0 + 10_000;
    expect(await storage.tryAcquire('k', 10_000)).toBe(true);
  });
});

describe('purgeBefore', () => {
  it('deletes rollups that ended at or before the timestamp and returns how many', async () => {
    const { storage } = store();
    await storage.writeRollups([0, 1, 2].map((slot) => rollup(slot, { route: '/a' })));
    await storage.writeRollups([rollup(0, { route: '/b' })]);
    expect(await storage.purgeBefore(T0 + 2 * SLOT)).toBe(3);
    expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => [r.labels.route, r.start - T0])).toEqual([['/a', 2 * SLOT]]);
    expect(await storage.purgeBefore(T0 + 2 * SLOT)).toBe(0);
    expect(await storage.purgeBefore(T0 + 3 * SLOT)).toBe(1);
    expect(await storage.queryRollups({ name: 'requests_total' })).toEqual([]);
  });

  it('drops expired leases but keeps live ones', async () => {
    const { storage, time } = store();
    await storage.tryAcquire('short', 1_000);
    await storage.tryAcquire('long', 60_000);
    time.now = T0 + 1_000;
    await storage.purgeBefore(T0);
    expect(await storage.tryAcquire('long', 60_000)).toBe(false);
    expect(await storage.tryAcquire('short', 1_000)).toBe(true);
  });
});

describe('close()', () => {
  it('makes every later call reject with a StorageError', async () => {
    const { storage } = store();
    await storage.writeRollups([rollup(0)]);
    await storage.close();
    const calls = [
      storage.writeRollups([rollup(1)]),
      storage.queryRollups({ name: 'requests_total' }),
      storage.tryAcquire('k', 1_000),
      storage.purgeBefore(T0),
    ];
    for (const call of calls) {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(StorageError);
      expect(isPulsewatchError(error) && error.code).toBe('ERR_PULSEWATCH_STORAGE');
      expect((error as Error).message).toMatch(/closed/);
    }
  });
});
