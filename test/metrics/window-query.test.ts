/**
 * The one window query (src/metrics/window-query.ts) on its own: instances built from the
 * monitor's parts (registry, context, stamps, a pending list standing for the recorder) share a
 * MemoryStorage, close slots as the monitor does, and write or hold back their rollups. The
 * query merges memory, waiting rollups and stored ones, each write counted once.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import type { MetricContext } from '../../src/metrics/context.js';
import { Distribution } from '../../src/metrics/distribution.js';
import { HdrCodec, materializeRollups } from '../../src/metrics/hdr-codec.js';
import { BucketLayout, SparseCounts } from '../../src/metrics/log-buckets.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { WindowQuery, type MetricWindow } from '../../src/metrics/window-query.js';
import { groupRollups } from '../../src/metrics/window-query-series.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { createRollupStamps } from '../../src/storage/instance.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;

/** One monitor's worth of window sources, closing slots the way Monitor.closeSlot does. */
function instance(clock: ManualClock, storage: MemoryStorage, instanceId?: string) {
  const pending: Rollup[] = [];
  const stamps = createRollupStamps(instanceId, clock.now(), SLOT);
  const ctx: MetricContext = {
    clock,
    strict: true,
    slotStart: Math.floor(clock.now() / SLOT) * SLOT,
    slotLength: SLOT,
    slotCount: 11,
    seriesLimit: 1000,
    seriesBounds: { maxLabelSetLength: 2048, maxLabels: 32 },
    codec: new HdrCodec(),
    histogramDigits: 3,
    fleet: { stamps, pendingRollups: () => pending, decoded: new DecodedHistograms() },
    invalidValue: () => undefined,
    seriesFolded: () => undefined,
    invalidLabels: () => undefined,
  };
  const registry = new MetricRegistry(ctx);
  const query = new WindowQuery({ registry, ctx, storage });
  return {
    ctx,
    registry,
    stamps,
    pending,
    query,
    /** Closes the open slot at `at` (default now); its rollups are written, or kept waiting. */
    async close(where: 'store' | 'pending', at = clock.now()): Promise<Rollup[]> {
      const rollups = registry.closeSlot(at);
      const stamp = stamps.slot(ctx.slotStart, at);
      for (const r of rollups) r.instance = stamp;
      ctx.slotStart = at;
      materializeRollups(rollups);
      if (where === 'store') await storage.writeRollups(rollups);
      else pending.push(...rollups);
      return rollups;
    },
    read(name: string, window = 10 * 60_000, labels?: Record<string, string>): Promise<MetricWindow> {
      const now = clock.now();
      return query.read({ name, labels, from: now - window, to: now });
    },
  };
}

function setup() {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  return { clock, storage };
}

/** count and sum of a window over its whole range. */
function totals(w: MetricWindow): { count: number; sum: number } {
  const s = w.stats(w.series, w.from, w.to, false);
  return { count: s.count, sum: s.sum };
}

/** One histogram slot of values, as a rollup another process wrote (its hdr encoded at `resolution`). */
function foreignRollup(values: number[], start: number, instance: string | undefined, resolution = 1e-3): Rollup {
  const layout = new BucketLayout(3);
  const codec = new HdrCodec();
  const slot = { forEachBucket: (l: BucketLayout, scale: number, fn: (i: number, c: number) => void) => values.forEach((v) => fn(l.index(Math.floor(v * scale)), 1)) };
  return {
    name: 'latency_ms',
    kind: 'histogram',
    labels: { route: '/a' },
    start,
    end: start + SLOT,
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: Math.min(...values),
    max: Math.max(...values),
    hdr: codec.encodeSlot(slot as never, layout, 1 / resolution),
    resolution,
    instance,
  };
}

describe('the window query: sources', () => {
  it('merges this process memory, its waiting rollups and every instance stored rollups', async () => {
    const { clock, storage } = setup();
    const a = instance(clock, storage);
    const b = instance(clock, storage);
    const ha = a.registry.histogram({ name: 'latency_ms', help: 'x', labelNames: ['route'] });
    const hb = b.registry.histogram({ name: 'latency_ms', help: 'x', labelNames: ['route'] });
    ha.observe(1, { route: '/a' });
    hb.observe(10, { route: '/a' });
    hb.observe(20, { route: '/b' });
    clock.advance(SLOT);
    await a.close('pending'); // a's slot is in its ring and waiting: counted once, from memory
    await b.close('store');
    ha.observe(2, { route: '/a' }); // a's open slot
    const w = await a.read('latency_ms');
    expect(totals(w)).toEqual({ count: 4, sum: 33 });
    expect(w.series.map((s) => s.labels.route).sort()).toEqual(['/a', '/b']);
    expect(totals(await a.read('latency_ms', 600_000, { route: '/b' }))).toEqual({ count: 1, sum: 20 });
  });

  it('counts a rollup both stored and waiting (a write in flight) once', async () => {
    const { clock, storage } = setup();
    const a = instance(clock, storage);
    const c = a.registry.counter({ name: 'orders_total', help: 'x' });
    c.inc(5);
    clock.advance(SLOT);
    const written = await a.close('store');
    a.pending.push(...written); // the recorder still holds the batch whose write it awaits
    c.inc(1);
    expect(totals(await a.read('orders_total'))).toEqual({ count: 2, sum: 6 });
  });

  it('skips its own rollup of a slot it holds in memory, and counts another instance identical one', async () => {
    const { clock, storage } = setup();
    const a = instance(clock, storage);
    const b = instance(clock, storage);
    for (const x of [a, b]) x.registry.histogram({ name: 'latency_ms', help: 'x' }).observe(7);
    clock.advance(SLOT);
    await a.close('store');
    await b.close('store');
    expect((await storage.queryRollups({ name: 'latency_ms' })).map((r) => [r.count, r.sum])).toEqual([
      [1, 7],
      [1, 7],
    ]);
    expect(totals(await a.read('latency_ms'))).toEqual({ count: 2, sum: 14 });
    expect(totals(await b.read('latency_ms'))).toEqual({ count: 2, sum: 14 });
  });

  it('counts its own late rollups of a slot it holds in memory (memory never held them)', async () => {
    const { clock, storage } = setup();
    const a = instance(clock, storage);
    a.registry.histogram({ name: 'latency_ms', help: 'x' }).observe(3);
    clock.advance(SLOT);
    await a.close('store');
    const late: Rollup = { ...foreignRollup([4], T0, a.stamps.late()), labels: {} };
    await storage.writeRollups([late]);
    expect(totals(await a.read('latency_ms'))).toEqual({ count: 2, sum: 7 });
  });

  it('after a restart with the same configured id, counts what the predecessor wrote of the slot it began in and before', async () => {
    const { clock, storage } = setup();
    const before = instance(clock, storage, 'pod-1');
    const h1 = before.registry.histogram({ name: 'latency_ms', help: 'x' });
    h1.observe(1); // slot [T0, T0+30s)
    clock.advance(SLOT);
    await before.close('store');
    h1.observe(2); // slot [T0+30s, ...): the predecessor stops mid-slot and writes it
    clock.advance(SLOT / 2);
    await before.close('store');
    const after = instance(clock, storage, 'pod-1'); // starts mid-slot in [T0+30s, T0+60s)
    after.registry.histogram({ name: 'latency_ms', help: 'x' }).observe(3);
    clock.advance(SLOT / 2);
    await after.close('store'); // its rollup of the shared slot carries its run's stamp
    const stored = await storage.queryRollups({ name: 'latency_ms' });
    expect(stored.map((r) => r.instance === 'pod-1')).toEqual([true, true, false]);
    expect(totals(await after.read('latency_ms'))).toEqual({ count: 3, sum: 6 });
  });

  it('matches rollups stored without an instance to slots in memory by content', async () => {
    const { clock, storage } = setup();
    const a = instance(clock, storage);
    a.registry.histogram({ name: 'latency_ms', help: 'x', labelNames: ['route'] }).observe(5, { route: '/a' });
    clock.advance(SLOT);
    const [own] = await a.close('pending');
    const legacy = { ...own!, instance: undefined };
    // A rollup of this slot as written before instance ids, with the same numbers: it matches
    // the slot in memory. One with other numbers (another writer's) counts.
    await storage.writeRollups([legacy, { ...legacy, count: 2, sum: 9 }]);
    expect(await storage.queryRollups({ name: 'latency_ms' })).toHaveLength(2);
    expect(totals(await a.read('latency_ms'))).toEqual({ count: 3, sum: 14 });
    // Two instance-less rollups with the numbers of the one slot in memory: one matches, one counts.
    const twice = instance(clock, storage);
    twice.registry.histogram({ name: 'other_ms', help: 'x' }).observe(5);
    clock.advance(SLOT);
    const [mine] = await twice.close('pending');
    const w = twice.query.merge(
      { name: 'other_ms', from: T0, to: clock.now() },
      groupRollups([
        { ...mine!, instance: undefined },
        { ...mine!, instance: undefined },
      ]),
    );
    expect(totals(w)).toEqual({ count: 2, sum: 10 });
  });
});

describe('the window query: a metric this process never defined', () => {
  it('reads kind and the distribution from the rollups, decoding each at its own resolution', async () => {
    const { clock, storage } = setup();
    const reader = instance(clock, storage);
    const fine = [0.5, 1.25, 2, 3.125];
    const coarse = [7, 8, 900];
    await storage.writeRollups([foreignRollup(fine, T0, 'x-1', 1e-3), foreignRollup(coarse, T0, 'x-2', 1)]);
    clock.advance(SLOT);
    const w = await reader.read('latency_ms');
    expect(w.kind).toBe('histogram');
    expect(w.unit).toBeUndefined();
    const dist = w.stats(w.series, w.from, w.to, true).dist!;
    expect(dist.count).toBe(7);
    // Equal to one histogram fed every value in the reader's resolution (the newest rollup's).
    const layout = new BucketLayout(3);
    const counts = new SparseCounts(layout);
    const all = [...fine, ...coarse];
    for (const v of all) counts.record(Math.floor(v));
    const one = new Distribution(layout, 1);
    one.addCounts(counts, all.reduce((a, b) => a + b, 0), Math.min(...all), Math.max(...all));
    for (const p of [50, 90, 95, 99]) expect(dist.percentile(p)).toBe(one.percentile(p));
  });

  it('ignores rollups of another kind under the name of a metric this process defined', async () => {
    const { clock, storage } = setup();
    const a = instance(clock, storage);
    a.registry.counter({ name: 'latency_ms', help: 'x' }).inc(2);
    await storage.writeRollups([foreignRollup([5], T0 - SLOT, 'x-1')]);
    const w = await a.read('latency_ms');
    expect(w.kind).toBe('counter');
    expect(totals(w)).toEqual({ count: 1, sum: 2 });
  });
});

describe('the window query: fleet values', () => {
  it('sums each writer latest value of a gauge, this process value now', async () => {
    const { clock, storage } = setup();
    const a = instance(clock, storage);
    const b = instance(clock, storage);
    const ga = a.registry.gauge({ name: 'queue_depth', help: 'x' });
    const gb = b.registry.gauge({ name: 'queue_depth', help: 'x' });
    ga.set(4);
    gb.set(10);
    clock.advance(SLOT);
    await a.close('store');
    await b.close('store');
    gb.set(12);
    clock.advance(SLOT);
    await b.close('store');
    ga.set(5);
    const w = await a.read('queue_depth');
    expect(w.latest(w.series, w.from, w.to)).toBe(5 + 12);
    // A range ending before now reads a's stored value, not its current one.
    expect(w.latest(w.series, w.from, T0 + SLOT)).toBe(4 + 10);
  });

  it('sums what every instance added to a counter in the window, and their totals as last', async () => {
    const { clock, storage } = setup();
    const [a, b, c] = [instance(clock, storage), instance(clock, storage), instance(clock, storage)];
    for (const [x, n] of [
      [a, 100],
      [b, 100],
      [c, 0],
    ] as const) {
      const counter = x.registry.counter({ name: 'orders_total', help: 'x' });
      if (n > 0) counter.inc(n);
    }
    clock.advance(SLOT);
    await a.close('store');
    await b.close('store');
    const w = await c.read('orders_total', 60_000);
    expect(totals(w).sum).toBe(200);
    expect(w.latest(w.series, w.from, w.to)).toBe(200);
  });
});

describe('decoded histograms kept between reads', () => {
  it('decodes an hdr once, and again only for another scale', () => {
    const cache = new DecodedHistograms();
    const layout = new BucketLayout(3);
    const hdr = foreignRollup([1, 2, 3], T0, 'x-1').hdr!;
    const first = cache.get(hdr, 1e-3, layout, 1e-3);
    // [bucket index, count, ...] of 1, 2 and 3 in units of 1e-3.
    expect(Array.from(first!)).toEqual([layout.index(1000), 1, layout.index(2000), 1, layout.index(3000), 1]);
    expect(cache.get(hdr, 1e-3, layout, 1e-3)).toBe(first);
    expect(cache.get(hdr, 1e-3, layout, 1)).not.toBe(first);
    expect(cache.size).toBe(1);
  });

  it('keeps at most `max` entries, the least recently used going first, and counts them', () => {
    const cache = new DecodedHistograms(2);
    const layout = new BucketLayout(3);
    const [a, b, c] = [[1], [2], [3]].map((v, i) => foreignRollup(v, T0 + i * SLOT, 'x-1').hdr!);
    const kept = cache.get(a!, 1e-3, layout, 1e-3);
    cache.get(b!, 1e-3, layout, 1e-3);
    cache.get(a!, 1e-3, layout, 1e-3); // a used last: b goes first
    cache.get(c!, 1e-3, layout, 1e-3);
    expect({ size: cache.size, evicted: cache.evicted }).toEqual({ size: 2, evicted: 1 });
    expect(cache.get(a!, 1e-3, layout, 1e-3)).toBe(kept);
  });

  it('counts the totals of a rollup whose hdr cannot be decoded', async () => {
    const { clock, storage } = setup();
    const reader = instance(clock, storage);
    await storage.writeRollups([{ ...foreignRollup([4, 6], T0, 'x-1'), hdr: 'bm90IGFuIGhkcg==' }, foreignRollup([5], T0, 'x-2')]);
    clock.advance(SLOT);
    const w = await reader.read('latency_ms');
    const stats = w.stats(w.series, w.from, w.to, true);
    expect([stats.count, stats.sum, stats.dist!.count, stats.min, stats.max]).toEqual([3, 15, 3, 4, 6]);
  });
});

describe('the window query: a store that breaks the contract', () => {
  it('counts a rollup the store returns twice once', async () => {
    const { clock, storage } = setup();
    const reader = instance(clock, storage);
    const r = foreignRollup([5, 7], T0, 'x-1');
    clock.advance(SLOT);
    const w = reader.query.merge({ name: 'latency_ms', from: T0, to: clock.now() }, groupRollups([r, { ...r }, foreignRollup([9], T0, 'x-2')]));
    expect(totals(w)).toEqual({ count: 3, sum: 21 });
  });
});
