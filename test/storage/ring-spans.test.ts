import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import { StorageError } from '../../src/core/errors.js';
import { CompactionSchedule } from '../../src/storage/compaction-schedule.js';
import { COMPACTED_INSTANCE, type Rollup } from '../../src/storage/contract.js';
import { MAX_RING_SPAN, readFleetRingSpan, RING_SPAN_GRACE, RING_SPAN_PREFIX, RingSpanPublisher } from '../../src/storage/ring-spans.js';
import { ManualClock } from '../../src/testing.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Midnight UTC. */
const T0 = Date.UTC(2026, 4, 1);
const PERIOD = 10 * MINUTE;

function setup() {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now(), retention: '30d', maxPointsPerSeries: 100_000 });
  const errors: unknown[] = [];
  const reporter = { fail: (e: unknown) => void errors.push(e) };
  return { clock, storage, errors, reporter };
}

const published = async (storage: MemoryStorage) => (await storage.readState(RING_SPAN_PREFIX)).map((e) => e.value);

describe('the ring span publisher', () => {
  it('publishes at the start and every period, valid 3 periods, one publication at a time; withdraws it when stopped', async () => {
    const { clock, storage, errors, reporter } = setup();
    const publisher = new RingSpanPublisher({ clock, store: storage, reporter, instance: () => 'long', span: 2 * DAY, period: PERIOD });
    publisher.start();
    await clock.idle();
    expect(await published(storage)).toEqual([{ instance: 'long', span: 2 * DAY, expiresAt: T0 + 3 * PERIOD }]);
    await clock.advanceAsync(PERIOD);
    expect(await published(storage)).toEqual([{ instance: 'long', span: 2 * DAY, expiresAt: T0 + 4 * PERIOD }]);
    await clock.advanceAsync(5 * PERIOD);
    expect(await published(storage)).toEqual([{ instance: 'long', span: 2 * DAY, expiresAt: T0 + 9 * PERIOD }]);
    await publisher.stop();
    expect(await published(storage)).toEqual([]);
    await clock.advanceAsync(5 * PERIOD);
    expect(await published(storage)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('reports a failed publication and tries again next period; a permanent refusal is reported once and ends it', async () => {
    const { clock, storage, errors, reporter } = setup();
    let failure: StorageError | undefined = new StorageError('store unreachable');
    const store = Object.assign(Object.create(storage) as MemoryStorage, {
      putStateIfAbsent: (key: string, value: unknown) => (failure === undefined ? storage.putStateIfAbsent(key, value) : Promise.reject(failure)),
    });
    const publisher = new RingSpanPublisher({ clock, store, reporter, instance: () => 'long', span: HOUR, period: PERIOD });
    publisher.start();
    await clock.idle();
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/next period tries again/);
    failure = undefined;
    await clock.advanceAsync(PERIOD);
    expect(await published(storage)).toHaveLength(1);
    failure = new StorageError('no state role', { permanent: true });
    await clock.advanceAsync(PERIOD);
    await clock.advanceAsync(3 * PERIOD);
    expect(errors).toHaveLength(2);
    expect(String(errors[1])).toMatch(/stops publishing/);
    await publisher.stop();
  });
  it('two publishers sharing an instance id in the same ms each store their own key; one stopping leaves the other', async () => {
    const { clock, storage, errors, reporter } = setup();
    const api = new RingSpanPublisher({ clock, store: storage, reporter, instance: () => 'pod-1', span: 10 * MINUTE, period: PERIOD });
    const worker = new RingSpanPublisher({ clock, store: storage, reporter, instance: () => 'pod-1', span: 2 * DAY, period: PERIOD });
    api.start();
    worker.start();
    await clock.idle();
    expect(await published(storage)).toHaveLength(2);
    await api.stop();
    expect(await published(storage)).toEqual([{ instance: 'pod-1', span: 2 * DAY, expiresAt: T0 + 3 * PERIOD }]);
    expect((await readFleetRingSpan(storage, clock.now())).span).toBe(2 * DAY);
    await worker.stop();
    expect(await published(storage)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('a key already taken by another publisher is never adopted: a fresh one is stored, and only it is withdrawn', async () => {
    const { clock, storage, errors, reporter } = setup();
    const taken: string[] = [];
    const store = Object.assign(Object.create(storage) as MemoryStorage, {
      putStateIfAbsent: async (key: string, value: unknown) => {
        // Someone else stores the first key this publisher tries, just before it does.
        if (taken.length === 0) await storage.putStateIfAbsent(key, { instance: 'other', span: DAY, expiresAt: T0 + 3 * PERIOD });
        taken.push(key);
        return storage.putStateIfAbsent(key, value);
      },
    });
    const publisher = new RingSpanPublisher({ clock, store, reporter, instance: () => 'pod-1', span: HOUR, period: PERIOD });
    publisher.start();
    await clock.idle();
    expect(taken).toHaveLength(2);
    expect(taken[0]).not.toBe(taken[1]);
    await publisher.stop();
    expect(await published(storage)).toEqual([{ instance: 'other', span: DAY, expiresAt: T0 + 3 * PERIOD }]);
    expect(errors).toEqual([]);
  });
});

describe('readFleetRingSpan', () => {
  const key = (id: string, expiresAt: number) => `${RING_SPAN_PREFIX}${id}:tok:${expiresAt}`;

  it('takes the longest span live (expiresAt + grace after now), deletes publications past their grace and malformed ones', async () => {
    const { storage } = setup();
    await storage.putStateIfAbsent(key('a', T0 + 1), { instance: 'a', span: HOUR, expiresAt: T0 + 1 });
    await storage.putStateIfAbsent(key('b', T0 - RING_SPAN_GRACE), { instance: 'b', span: 3 * DAY, expiresAt: T0 - RING_SPAN_GRACE });
    await storage.putStateIfAbsent(key('c', T0 + PERIOD), { instance: 'c', span: 2 * HOUR, expiresAt: T0 + PERIOD });
    await storage.putStateIfAbsent(key('d', 1), { hand: 'edit' });
    await storage.putStateIfAbsent('pulsewatch:other', { span: 9 * DAY, expiresAt: T0 + DAY });
    expect(await readFleetRingSpan(storage, T0)).toEqual({ span: 2 * HOUR, deleted: 2 });
    expect((await storage.readState(RING_SPAN_PREFIX)).map((e) => e.key)).toEqual([key('a', T0 + 1), key('c', T0 + PERIOD)]);
    // Expired by this reader's clock but within the grace (the publisher's clock may be behind): still live.
    expect(await readFleetRingSpan(storage, T0 + PERIOD)).toEqual({ span: 2 * HOUR, deleted: 0 });
    expect(await readFleetRingSpan(storage, T0 + PERIOD + RING_SPAN_GRACE)).toEqual({ span: 0, deleted: 2 });
  });

  it('a publisher whose clock is 25 minutes behind keeps its ring seen by a reader on the right clock', async () => {
    const { storage, errors, reporter } = setup();
    const behind = new ManualClock(T0 - 25 * MINUTE);
    const publisher = new RingSpanPublisher({ clock: behind, store: storage, reporter, instance: () => 'slow', span: 2 * DAY, period: PERIOD });
    publisher.start();
    await behind.idle();
    for (let i = 1; i <= 6; i++) {
      await behind.advanceAsync(PERIOD);
      expect(await readFleetRingSpan(storage, T0 + i * PERIOD + 9 * MINUTE)).toEqual({ span: 2 * DAY, deleted: 0 });
    }
    await publisher.stop();
    expect(errors).toEqual([]);
  });

  it('hostile values: a span held to 400 days, an expiry further ahead than any publisher stamps or not the key one deleted', async () => {
    const { storage } = setup();
    await storage.putStateIfAbsent(key('huge', T0 + HOUR), { instance: 'huge', span: 1e15, expiresAt: T0 + HOUR });
    await storage.putStateIfAbsent(key('ahead', 8.64e15), { instance: 'ahead', span: DAY, expiresAt: 8.64e15 });
    await storage.putStateIfAbsent(key('mismatch', T0), { instance: 'mismatch', span: DAY, expiresAt: T0 + HOUR });
    await storage.putStateIfAbsent(`${RING_SPAN_PREFIX}junk`, 'not an object');
    expect(await readFleetRingSpan(storage, T0)).toEqual({ span: MAX_RING_SPAN, deleted: 3 });
    expect((await storage.readState(RING_SPAN_PREFIX)).map((e) => e.key)).toEqual([key('huge', T0 + HOUR)]);
  });

  it('deletes at most 100 a call (it holds the compaction lease meanwhile); the next calls delete the rest', async () => {
    const { storage } = setup();
    for (let i = 0; i < 250; i++) await storage.putStateIfAbsent(key(`dead-${i}`, T0 - DAY), { instance: `dead-${i}`, span: HOUR, expiresAt: T0 - DAY });
    expect(await readFleetRingSpan(storage, T0)).toEqual({ span: 0, deleted: 100 });
    expect(await readFleetRingSpan(storage, T0)).toEqual({ span: 0, deleted: 100 });
    expect(await readFleetRingSpan(storage, T0)).toEqual({ span: 0, deleted: 50 });
  });
});

describe('the ring span publisher, housekeeping and bounds', () => {
  it('sweeps dead publications once after its first publication, even where nothing compacts (at most 1,000)', async () => {
    const { clock, storage, errors, reporter } = setup();
    for (let i = 0; i < 30; i++) await storage.putStateIfAbsent(`${RING_SPAN_PREFIX}crash-${i}:tok:${T0 - HOUR}`, { instance: `crash-${i}`, span: HOUR, expiresAt: T0 - HOUR });
    await storage.putStateIfAbsent(`${RING_SPAN_PREFIX}alive:tok:${T0 + PERIOD}`, { instance: 'alive', span: HOUR, expiresAt: T0 + PERIOD });
    const publisher = new RingSpanPublisher({ clock, store: storage, reporter, instance: () => 'me', span: HOUR, period: PERIOD });
    publisher.start();
    await clock.idle();
    expect((await published(storage)).map((v) => (v as { instance: string }).instance).sort()).toEqual(['alive', 'me']);
    await publisher.stop();
    expect(errors).toEqual([]);
  });

  it('a tiny compaction interval still publishes every minute, valid 30 minutes; a huge one every hour', async () => {
    const { clock, storage, errors, reporter } = setup();
    const tiny = new RingSpanPublisher({ clock, store: storage, reporter, instance: () => 'tiny', span: HOUR, period: 2_000 });
    tiny.start();
    await clock.idle();
    expect(await published(storage)).toEqual([{ instance: 'tiny', span: HOUR, expiresAt: T0 + 30 * MINUTE }]);
    await clock.advanceAsync(30_000);
    expect(await published(storage)).toEqual([{ instance: 'tiny', span: HOUR, expiresAt: T0 + 30 * MINUTE }]);
    await clock.advanceAsync(30_000);
    expect(await published(storage)).toEqual([{ instance: 'tiny', span: HOUR, expiresAt: T0 + 31 * MINUTE }]);
    await tiny.stop();
    const huge = new RingSpanPublisher({ clock, store: storage, reporter, instance: () => 'huge', span: HOUR, period: DAY });
    huge.start();
    await clock.idle();
    expect(await published(storage)).toEqual([{ instance: 'huge', span: HOUR, expiresAt: clock.now() + 3 * HOUR }]);
    await huge.stop();
    expect(errors).toEqual([]);
  });
});

/** Counter rollups of one series and 2 instances, one every 10 minutes, over [from, to). */
function rollups(from: number, to: number): Rollup[] {
  const out: Rollup[] = [];
  for (let start = from; start < to; start += 10 * MINUTE) {
    for (const instance of ['a', 'b']) out.push({ name: 'jobs_total', kind: 'counter', labels: {}, start, end: start + MINUTE, count: 1, sum: 1, min: 1, max: 1, instance });
  }
  return out;
}

describe('the compaction schedule and the fleet ring span', () => {
  it('compacts nothing younger than the longest ring the fleet publishes', async () => {
    const { clock, storage, errors, reporter } = setup();
    await storage.writeRollups(rollups(T0 - 3 * DAY, T0));
    let fleet = 2 * DAY + 30 * MINUTE;
    const schedule = new CompactionSchedule(
      { tiers: [{ after: DAY, span: HOUR }], interval: PERIOD, maxPerRun: 1_000_000 },
      { clock, storage, reporter, memorySpan: 5 * MINUTE, fleetSpan: async () => fleet },
    );
    const hours = async () => (await storage.queryRollups({ name: 'jobs_total' })).filter((r) => r.instance === COMPACTED_INSTANCE).map((r) => (r.start - T0) / HOUR);
    expect((await schedule.run()).ran).toBe(true);
    // Hours that ended 2 days 30 minutes ago at most: the first 23 (the tier alone would take 48).
    expect(await hours()).toEqual(Array.from({ length: 23 }, (_, i) => i - 72));
    fleet = 0;
    clock.advance(PERIOD); // the next tick (a tick's lease is taken once)
    expect((await schedule.run()).ran).toBe(true);
    expect(await hours()).toHaveLength(48);
    expect(errors).toEqual([]);
    await schedule.stop();
  });

  it('does not compact when the fleet ring spans cannot be read, and says so', async () => {
    const { clock, storage, errors, reporter } = setup();
    await storage.writeRollups(rollups(T0 - 3 * DAY, T0));
    const schedule = new CompactionSchedule(
      { tiers: [{ after: DAY, span: HOUR }], interval: PERIOD, maxPerRun: 1_000_000 },
      { clock, storage, reporter, memorySpan: 5 * MINUTE, fleetSpan: () => Promise.reject(new StorageError('down')) },
    );
    expect(await schedule.run()).toEqual({ ran: true, merged: 0, written: 0, done: false });
    expect((await storage.queryRollups({ name: 'jobs_total' })).some((r) => r.instance === COMPACTED_INSTANCE)).toBe(false);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/ring spans/);
    await schedule.stop();
  });
});

describe('a long ring beside compaction in one MemoryStorage', () => {
  it('the long-ring instance (compaction off) reads each observation once; its ring is compacted after it closes', async () => {
    const { clock, storage } = setup();
    const errors: unknown[] = [];
    // 300 slots of 10 minutes: a 50-hour ring, longer than the first tier (a day).
    const long = createMonitor({ clock, storage, instanceId: 'long', logger: false, service: 'api', histogram: { slotLength: '10m', slots: 300 } });
    const compactor = createMonitor({ clock, storage, instanceId: 'compactor', logger: false, service: 'api', compaction: true });
    for (const m of [long, compactor]) m.on('error', (e) => errors.push(e));
    const latency = long.histogram({ name: 'latency_seconds' });
    compactor.counter({ name: 'started_total' }).inc();
    for (let i = 0; i < 30 * 6; i++) {
      latency.observe(0.1 + (i % 7) / 10);
      await clock.advanceAsync(10 * MINUTE);
    }
    await long.idle();
    await compactor.idle();
    const range = { name: 'latency_seconds', from: T0, to: clock.now() };
    expect((await long.getAggregatedMetrics(range)).count).toBe(180);
    expect((await storage.queryRollups({ name: 'latency_seconds' })).some((r) => r.instance === COMPACTED_INSTANCE)).toBe(false);
    // Closed, its ring is gone and its publication withdrawn: the next tick compacts the hours a day old.
    await long.close();
    expect(await storage.readState(RING_SPAN_PREFIX)).toHaveLength(1); // the compactor's own
    await clock.advanceAsync(10 * MINUTE);
    await compactor.idle();
    expect((await storage.queryRollups({ name: 'latency_seconds' })).filter((r) => r.instance === COMPACTED_INSTANCE).length).toBeGreaterThan(0);
    expect((await compactor.getAggregatedMetrics(range)).count).toBe(180);
    expect(errors).toEqual([]);
    await compactor.close();
    expect(await storage.readState(RING_SPAN_PREFIX)).toEqual([]);
  });

  it('a compactor whose clock is 25 minutes ahead of the long-ring instance still compacts nothing its ring holds', async () => {
    const lc = new ManualClock(T0);
    const cc = new ManualClock(T0 + 25 * MINUTE);
    const storage = new MemoryStorage({ now: () => lc.now(), retention: '30d', maxPointsPerSeries: 100_000 });
    const errors: unknown[] = [];
    const long = createMonitor({ clock: lc, storage, instanceId: 'long', logger: false, service: 'api', histogram: { slotLength: '10m', slots: 300 } });
    const compactor = createMonitor({ clock: cc, storage, instanceId: 'compactor', logger: false, service: 'api', compaction: true });
    for (const m of [long, compactor]) m.on('error', (e) => errors.push(e));
    const latency = long.histogram({ name: 'latency_seconds' });
    compactor.counter({ name: 'started_total' }).inc();
    const counts: number[] = [];
    for (let i = 0; i < 60 * 6; i++) {
      latency.observe(0.1);
      for (let k = 0; k < 10; k++) {
        await lc.advanceAsync(MINUTE);
        await cc.advanceAsync(MINUTE);
      }
      counts.push((await long.getAggregatedMetrics({ name: 'latency_seconds', from: T0, to: lc.now() })).count - (i + 1));
    }
    await long.idle();
    await compactor.idle();
    expect((await storage.queryRollups({ name: 'latency_seconds' })).some((r) => r.instance === COMPACTED_INSTANCE)).toBe(true);
    expect(counts.filter((c) => c !== 0)).toEqual([]);
    expect(errors).toEqual([]);
    await long.close();
    await compactor.close();
  }, 60_000);
});
