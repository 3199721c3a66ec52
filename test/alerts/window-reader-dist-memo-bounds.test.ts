// The bounds of the rule engine's kept bucket counts (DistMemo, one per group shape and range,
// kept between ticks by WindowReader): review R1 of e7dcd96, fixed in f09d517.
// - Memory: the memos of a range no rule read at the shape's last tick are let go, so a rule
//   whose window changes, or a rule deleted while another rule keeps the grouping, leaves no
//   memo behind (before the fix they piled up, one per range ever read).
// - Exactness: the memo sums the closed data's counts apart from the open slots'; past
//   2^53 - 1 a sum rounds by the order of its terms, so there the counts are summed in the
//   order of a read without the memo. A hostile hdr piles ~2^53 counts into one bucket.
import * as hdr from 'hdr-histogram-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import type { CapabilityContext } from '../../src/capability.js';
import { ManualClock } from '../../src/testing.js';
import { TickCaches } from '../../src/alerts/tick-caches.js';
import type { NormalizedCondition } from '../../src/alerts/rule-schema.js';
import type { WindowReader } from '../../src/alerts/window-reader.js';
import { WindowQuery } from '../../src/metrics/window-query.js';
import type { Distribution } from '../../src/metrics/distribution.js';
import { DistMemo } from '../../src/metrics/window-query-dist-memo.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;
const T0 = Date.UTC(2026, 0, 1);
const NAME = 'lat_seconds';
const PERCENTILES = [1, 50, 95, 99.9];

/** Everything a rule can read of a distribution. */
function figures(d: Distribution | undefined): unknown[] {
  if (d === undefined) return ['none'];
  return [d.count, d.sum, d.min, d.max, ...PERCENTILES.map((p) => d.percentile(p)), d.fractionAtOrBelow(0.25), d.fractionAtOrBelow(0.5)];
}

function condition(window: number): NormalizedCondition {
  return { metric: NAME, window, aggregation: 'p95' } as unknown as NormalizedCondition;
}

/**
 * The maps that hold the memos, found as they are written: WindowReader keeps them in a module
 * WeakMap and exposes no count, so every `Map#set` of a DistMemo (or of a record holding one as
 * `memo`) names its map while this runs. Counting their sizes is counting the memos kept.
 */
function watchMemoMaps(): { count(): number; maps: Set<Map<unknown, unknown>>; restore(): void } {
  const maps = new Set<Map<unknown, unknown>>();
  const set = Map.prototype.set;
  Map.prototype.set = function (this: Map<unknown, unknown>, key: unknown, value: unknown) {
    if (value instanceof DistMemo || (typeof value === 'object' && value !== null && (value as { memo?: unknown }).memo instanceof DistMemo)) maps.add(this);
    return set.call(this, key, value);
  };
  return {
    maps,
    count: () => [...maps].reduce((n, m) => n + m.size, 0),
    restore: () => {
      Map.prototype.set = set;
    },
  };
}

const open: Monitor[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});

function setup(slots?: number) {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage, service: 'memo', instanceId: 'm0', logger: false, alerts: { evaluationInterval: '1h', syncInterval: '1h' }, ...(slots === undefined ? {} : { histogram: { slots } }) });
  open.push(monitor);
  const h = monitor.histogram({ name: NAME, labelNames: ['route'], unit: 'seconds' });
  const ctx = (monitor.alerts as unknown as { ctx: CapabilityContext }).ctx;
  return { clock, storage, h, ctx, caches: new TickCaches(ctx) };
}

/** Reads every group of `reader` over each window as the rules do, and checks each against the same window read without memos. */
async function readAll(reader: WindowReader, now: number, windows: readonly number[], what: string): Promise<number> {
  let groups = 0;
  for (const length of windows) {
    const from = now - length;
    const w = await reader.window(NAME, from);
    for (const [key, g] of reader.group(w, {}, ['route'])) {
      const kept = reader.histogramStats(w, g, from, now, true);
      expect(figures(kept.dist), `${what}, ${length} ms, ${key}`).toEqual(figures(w.stats(g.series, from, now, true).dist));
      groups++;
    }
  }
  return groups;
}

describe('the kept bucket counts of a rule group', () => {
  /**
   * 60 ticks of two rules on one grouping (by route, two routes): rule Y (5 m) at every tick,
   * rule X with the window `xWindow` gives at each tick, deleted at tick 40. Checks the memos
   * kept after each tick with `check`.
   */
  async function run(xWindow: (tick: number) => number, check: (tick: number, memos: number) => void): Promise<void> {
    const { clock, h, caches } = setup();
    const rnd = random(11);
    const watch = watchMemoMaps();
    try {
      for (let tick = 0; tick < 60; tick++) {
        for (const route of ['/a', '/b']) for (let k = 0; k < 3; k++) h.labels({ route }).observe(Math.floor(rnd() * 3000) / 1000);
        await clock.advanceAsync(15_000);
        const now = clock.now();
        const windows = tick < 40 ? [300_000, xWindow(tick)] : [300_000];
        const reader = caches.reader(now, windows.map(condition));
        expect(await readAll(reader, now, windows, `tick ${tick}`)).toBe(2 * windows.length);
        caches.retain(reader);
        // One grouping, two groups: one map of memos each, kept by rule Y throughout.
        expect(watch.maps.size).toBe(2);
        check(tick, watch.count());
      }
    } finally {
      watch.restore();
    }
  }

  it('lets go of the memos of a rule whose window changed while another rule keeps the grouping', async () => {
    // X's window changes at every tick (a rule edited, or replaced by one of another window).
    await run(
      (tick) => 60_000 + tick * 1_000,
      (tick, memos) => {
        // Per group: Y's memo, X's of this tick and X's of the last (let go at the next tick); before the fix, one per window ever read.
        if (tick < 40) expect(memos, `tick ${tick}`).toBeLessThanOrEqual(2 * 3);
      },
    );
  });

  it('lets go of the memos of a deleted rule while another rule keeps the grouping', async () => {
    await run(
      () => 60_000,
      (tick, memos) => {
        // Y's and X's in each group; X deleted at tick 40, its memos gone at tick 41 (before the fix: kept).
        if (tick < 41) expect(memos, `tick ${tick}`).toBe(2 * 2);
        else expect(memos, `tick ${tick}`).toBe(2);
      },
    );
  });

  it('reads a group whose counts pass 2^53 - 1 as a read without the memo does (a hostile hdr)', async () => {
    // A ring of 3 slots: after three slot closes its open slot is at position 0 and both closed
    // slots after it, so a read without the memo sums the open slot's counts before theirs.
    const { clock, storage, h, ctx, caches } = setup(3);
    const a = h.labels({ route: '/a' });
    // Past 128 values a slot keeps bucket counts: each slot below is one add of its count.
    for (const n of [1, 130, 130]) {
      for (let i = 0; i < n; i++) a.observe(0);
      await clock.advanceAsync(SLOT);
    }
    for (let i = 0; i < 259; i++) a.observe(0);
    await clock.advanceAsync(1_000);
    const now = clock.now();
    // Bucket 0 holds everything: the first slot's rollup (1), a hostile rollup of 2^53 - 263
    // (every value of its hdr below one unit of the metric), the closed slots' 130 and 130 and
    // the open slot's 259. The closed data, 2^53 - 2, a memo keeps exactly; with the open slot
    // added it makes 2^53 + 257, which rounds to 2^53 + 256. Read without the memo (rollups, then
    // the ring from its open slot): 2^53 - 3, 2^53 + 127 rounded to 2^53 + 128, then 2^53 + 258.
    const X = 2 ** 53;
    await storage.writeRollups([{ name: NAME, kind: 'histogram', labels: { route: '/a' }, start: T0, end: T0 + SLOT, count: X - 263, sum: 0, min: 0, max: 1, hdr: pile(X - 263), resolution: 1e-20, instance: 'other' }]);
    const window = 300_000;
    const from = now - window;
    const reader = caches.reader(now, [condition(window)]);
    const w = await reader.window(NAME, from);
    const [g] = [...reader.group(w, {}, []).values()];
    const kept = reader.histogramStats(w, g!, from, now, true);
    const plain = w.stats(g!.series, from, now, true);
    // The hostile rollup was read: the group counts past 2^53 - 1.
    expect(kept.count).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(kept.dist).toBeDefined();
    expect(figures(kept.dist), 'the same window read without the memo').toEqual(figures(plain.dist));
    // And as a fresh window query of the store and memory (no caches: the ring read in its order).
    const fresh = await new WindowQuery({ registry: ctx.metrics, ctx: ctx.metricContext, storage }).read({ name: NAME, from, to: now, now });
    expect(figures(kept.dist), 'a fresh read').toEqual(figures(fresh.stats(fresh.series, from, now, true).dist));
  }, 60_000);
});

/**
 * An hdr (compressed V2, 5 significant digits) of `total` counts spread over as many counts
 * indexes as 32-bit counts need (~2.1 million for 2^53), every one of them below 2^34: with a
 * rollup resolution of 1e-20 all its values fall in the metric's bucket 0.
 */
function pile(total: number): string {
  const histogram = hdr.build({ bitBucketSize: 32, autoResize: false, lowestDiscernibleValue: 1, highestTrackableValue: 2 ** 34, numberOfSignificantValueDigits: 5 });
  const most = 2 ** 32 - 1;
  const full = Math.floor(total / most);
  const h = histogram as unknown as { valueFromIndex(i: number): number; recordValueWithCount(v: number, c: number): void };
  for (let i = 0; i < full; i++) h.recordValueWithCount(h.valueFromIndex(i), most);
  h.recordValueWithCount(h.valueFromIndex(full), total - full * most);
  return hdr.encodeIntoCompressedBase64(histogram);
}
