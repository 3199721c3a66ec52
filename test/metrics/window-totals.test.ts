/**
 * Window totals kept between reads (src/metrics/window-totals.ts): whatever happens between two
 * reads (observations, slots closing, rollups written late, rewritten or expiring, reads over
 * other ranges), the kept totals equal a full recompute of the same window.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import type { MetricContext } from '../../src/metrics/context.js';
import { HdrCodec, materializeRollups } from '../../src/metrics/hdr-codec.js';
import { BucketLayout } from '../../src/metrics/log-buckets.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { WindowQuery, type MetricWindow, type RangeStats } from '../../src/metrics/window-query.js';
import { StoredRollupCache } from '../../src/metrics/window-query-cache.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { compact, mergePairs } from '../../src/metrics/window-totals.js';
import { createRollupStamps } from '../../src/storage/instance.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;
const NAME = 'latency_ms';
const ROUTES = ['/a', '/b', '/c'];

/** One monitor's window sources, closing slots as Monitor.closeSlot does (see window-query.test.ts). */
function instance(clock: ManualClock, storage: MemoryStorage, id: string) {
  const pending: Rollup[] = [];
  const stamps = createRollupStamps(id, clock.now(), SLOT);
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
  const histogram = registry.histogram({ name: NAME, labelNames: ['route', 'status'] });
  const query = new WindowQuery({ registry, ctx, storage });
  const cache = new StoredRollupCache({ lateness: 3 * SLOT, refreshEvery: 10 * 60_000, maxMetrics: 10 });
  return {
    ctx,
    histogram,
    pending,
    /** Closes the open slot at `at`; its rollups are written, or kept waiting until `flush`. */
    async close(at: number, store: boolean): Promise<void> {
      const rollups = registry.closeSlot(at);
      const stamp = stamps.slot(ctx.slotStart, at);
      for (const r of rollups) r.instance = stamp;
      ctx.slotStart = at;
      materializeRollups(rollups);
      if (store) await storage.writeRollups(rollups);
      else pending.push(...rollups);
    },
    async flush(): Promise<void> {
      await storage.writeRollups(pending.splice(0));
    },
    /** The window as the rule engine reads it: stored series kept between reads, changes applied. */
    async ruleWindow(window: number): Promise<MetricWindow> {
      const now = clock.now();
      const stored = await cache.series({ name: NAME, from: now - window, now, read: (since) => query.stored(NAME, undefined, since, now, now), changes: query.changes(NAME), waitingEnd: Infinity });
      return query.merge({ name: NAME, from: now - window, to: now, now }, stored);
    },
    /** The window as getAggregatedMetrics and snapshot() read it: the store read whole. */
    read(window: number): Promise<MetricWindow> {
      const now = clock.now();
      return query.read({ name: NAME, from: now - window, to: now });
    },
  };
}

/** A rollup of another process (or a rewrite of one), its hdr encoded at 1 ms. */
function foreign(route: string, values: number[], start: number, instance: string): Rollup {
  const layout = new BucketLayout(3);
  const slot = { forEachBucket: (l: BucketLayout, scale: number, fn: (i: number, c: number) => void) => values.forEach((v) => fn(l.index(Math.floor(v * scale)), 1)) };
  return {
    name: NAME,
    kind: 'histogram',
    labels: { route, status: '200' },
    start,
    end: start + SLOT,
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: Math.min(...values),
    max: Math.max(...values),
    hdr: new HdrCodec().encodeSlot(slot as never, layout, 1e3),
    resolution: 1e-3,
    instance,
  };
}

/** Everything a rule or snapshot reads from range stats. */
function view(s: RangeStats): unknown {
  const d = s.dist;
  return {
    count: s.count,
    min: s.min,
    max: s.max,
    lastMean: s.lastMean,
    percentiles: d === undefined ? undefined : [50, 90, 95, 99, 99.9].map((p) => d.percentile(p)),
    under: d === undefined ? undefined : [5, 50, 500].map((v) => d.fractionAtOrBelow(v)),
    summary: d?.summary(),
  };
}

/** Kept and recomputed stats of every series subset a rule could read, over two ranges. */
function check(w: MetricWindow, now: number): void {
  const subsets = [w.series, ...ROUTES.map((r) => w.series.filter((s) => s.labels['route'] === r)), w.series.filter((s) => s.labels['status'] === '500')];
  for (const range of [5 * 60_000, 2 * 60_000]) {
    for (const series of subsets) {
      for (const withDist of [false, true]) {
        const kept = w.stats(series, now - range, now, withDist);
        const full = w.recompute(series, now - range, now, withDist);
        // Sums are added in another order (per series first): equal to the last bits.
        expect(kept.sum).toBeCloseTo(full.sum, 6);
        if (kept.dist !== undefined) kept.dist.sum = full.dist!.sum;
        expect(view(kept)).toEqual(view(full));
      }
    }
  }
}

type Op =
  | { type: 'observe'; who: number; route: number; status: number; value: number; times: number }
  | { type: 'advance'; ms: number; store: boolean }
  | { type: 'flush'; who: number }
  | { type: 'foreign'; route: number; slotsAgo: number; values: number[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('observe' as const), who: fc.nat(1), route: fc.nat(2), status: fc.nat(1), value: fc.oneof(fc.integer({ min: 1, max: 2000 }), fc.double({ min: 0.01, max: 900, noNaN: true })), times: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ type: fc.constant('advance' as const), ms: fc.integer({ min: 1_000, max: 70_000 }), store: fc.boolean() }),
  fc.record({ type: fc.constant('flush' as const), who: fc.nat(1) }),
  // Another instance's rollup of a past slot: new, late, or written again with other numbers.
  fc.record({ type: fc.constant('foreign' as const), route: fc.nat(2), slotsAgo: fc.nat(12), values: fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 20 }) }),
);

describe('window totals kept between reads', () => {
  it('equal a full recompute after random observations, slot closes, late and rewritten rollups and expiry', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
        const clock = new ManualClock(T0);
        const storage = new MemoryStorage({ now: () => clock.now() });
        const monitors = [instance(clock, storage, 'pod-a'), instance(clock, storage, 'pod-b')];
        for (const o of ops) {
          if (o.type === 'observe') {
            const h = monitors[o.who]!.histogram;
            for (let i = 0; i < o.times; i++) h.observe(o.value * (1 + i / 7), { route: ROUTES[o.route]!, status: o.status === 0 ? '200' : '500' });
          } else if (o.type === 'advance') {
            const target = clock.now() + o.ms;
            for (const m of monitors) {
              for (let at = m.ctx.slotStart + SLOT; at <= target; at += SLOT) {
                clock.set(at);
                await m.close(at, o.store);
              }
            }
            clock.set(target);
          } else if (o.type === 'flush') await monitors[o.who]!.flush();
          else {
            const start = Math.floor(clock.now() / SLOT) * SLOT - (o.slotsAgo + 1) * SLOT;
            await storage.writeRollups([foreign(ROUTES[o.route]!, o.values, start, 'pod-c')]);
          }
          const now = clock.now();
          for (const m of monitors) {
            check(await m.ruleWindow(5 * 60_000), now);
            check(await m.read(5 * 60_000), now);
          }
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('bucket pairs', () => {
  it('merge, subtract and compact like adding counts one by one', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(50), fc.integer({ min: 1, max: 9 }))), fc.array(fc.tuple(fc.nat(50), fc.integer({ min: 1, max: 9 }))), (a, b) => {
        const dense = (pairs: Float64Array) => {
          const out = new Map<number, number>();
          for (let i = 0; i < pairs.length; i += 2) out.set(pairs[i]!, pairs[i + 1]!);
          return out;
        };
        const pa = compact(a.flat());
        const pb = compact(b.flat());
        const expected = new Map<number, number>();
        for (const [i, c] of [...a, ...b]) expected.set(i, (expected.get(i) ?? 0) + c);
        const sum = mergePairs(pa, pb, 1);
        expect(dense(sum)).toEqual(expected);
        for (let i = 2; i < sum.length; i += 2) expect(sum[i]!).toBeGreaterThan(sum[i - 2]!);
        expect(dense(mergePairs(sum, pb, -1))).toEqual(dense(pa));
      }),
    );
  });
});
