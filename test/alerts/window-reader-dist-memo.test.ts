// The rule engine keeps each group's closed bucket counts between ticks (window-query-dist-memo.ts)
// and updates them by what came and went. On random fleets (three instances on one store, series
// recorded on one or several of them, observations every tick, slots closing, flushes, series
// removed and made again, ticks skipped) the distribution a group's rule reads through the
// tick caches must be the one a read without the memo makes of the same window, to the bit, and
// its percentiles those of a fresh window query of the store and memory; so must every series'
// totals in the window the engine builds (this process's series built at the last tick are taken
// again while nothing they were built from changed: window-query-reuse.ts).
import { describe, expect, it, vi } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import type { CapabilityContext } from '../../src/capability.js';
import { ManualClock } from '../../src/testing.js';
import { TickCaches } from '../../src/alerts/tick-caches.js';
import type { NormalizedCondition } from '../../src/alerts/rule-schema.js';
import { WindowQuery, type MetricWindow } from '../../src/metrics/window-query.js';
import type { Distribution } from '../../src/metrics/distribution.js';
import { DistMemo } from '../../src/metrics/window-query-dist-memo.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;
const T0 = Date.UTC(2026, 0, 1);
const NAME = 'lat_seconds';
const PERCENTILES = [1, 25, 50, 90, 95, 99, 99.9];

/** Everything a rule can read of a distribution. */
function figures(d: Distribution | undefined): unknown[] {
  if (d === undefined) return ['none'];
  return [d.count, d.sum, d.min, d.max, ...PERCENTILES.map((p) => d.percentile(p)), d.fractionAtOrBelow(0.25), d.fractionAtOrBelow(1)];
}

/** Percentiles only: a fresh read holds the series in another order, so sums may differ in the last bits. */
function percentiles(d: Distribution | undefined): unknown[] {
  return d === undefined ? ['none'] : [d.count, d.min, d.max, ...PERCENTILES.map((p) => d.percentile(p))];
}

/** Each series' totals over [from, to) with data there, by key (sums to 12 digits: a fresh read may hold parts in another order). */
function totals(w: MetricWindow, from: number, to: number): string[] {
  // A series without data in the range counts nothing, wherever it is held.
  return w.series
    .map((s) => w.stats([s], from, to, false))
    .map((st, i) => (st.count === 0 ? '' : `${w.series[i]!.key} ${st.count} ${st.sum.toPrecision(12)} ${st.min} ${st.max}`))
    .filter((line) => line !== '')
    .sort();
}

async function history(seed: number, removals: boolean): Promise<number> {
  const rnd = random(seed);
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitors: Monitor[] = [];
  for (let i = 0; i < 3; i++) monitors.push(createMonitor({ clock, storage, service: 'memo', instanceId: `m${i}`, logger: false, alerts: { evaluationInterval: '1h', syncInterval: '1h' } }));
  const hs = monitors.map((m) => m.histogram({ name: NAME, labelNames: ['route', 'status'], unit: 'seconds' }));
  const ctx = (monitors[0]!.alerts as unknown as { ctx: CapabilityContext }).ctx;
  const caches = new TickCaches(ctx);
  const windows = [60_000, 120_000, 300_000];
  const conditions = windows.map((window) => ({ metric: NAME, window, aggregation: 'p95' }) as unknown as NormalizedCondition);
  const routes = ['/a', '/b', '/c', '/d'];
  let checks = 0;
  try {
    for (let tick = 0; tick < 40; tick++) {
      for (let k = 0; k < 12; k++) {
        const i = Math.floor(rnd() * 3);
        const labels = { route: routes[Math.floor(rnd() * routes.length)]!, status: rnd() < 0.2 ? '500' : '200' };
        const n = 1 + Math.floor(rnd() * 4);
        for (let j = 0; j < n; j++) hs[i]!.labels(labels).observe(Math.floor(rnd() * 3000) / 1000);
      }
      if (removals && rnd() < 0.1) hs[Math.floor(rnd() * 3)]!.remove({ route: routes[Math.floor(rnd() * routes.length)]!, status: '200' });
      if (rnd() < 0.2) await monitors[Math.floor(rnd() * 3)]!.flush();
      // Ticks of 15 s mostly (a slot closes every other one), sometimes a longer gap.
      await clock.advanceAsync(rnd() < 0.1 ? SLOT * (2 + Math.floor(rnd() * 8)) : 15_000);
      const now = clock.now();
      const reader = caches.reader(now, conditions);
      const query = new WindowQuery({ registry: ctx.metrics, ctx: ctx.metricContext, storage });
      for (const length of windows) {
        const from = now - length;
        const w = await reader.window(NAME, from);
        const fresh = await query.read({ name: NAME, from, to: now, now });
        // Every series as a fresh read counts it (the window built at the last tick taken again where nothing changed).
        expect(totals(w, from, now), `seed ${seed}, tick ${tick}, ${length} ms: series`).toEqual(totals(fresh, from, now));
        for (const groupBy of [['route'], [], ['status']]) {
          for (const [key, g] of reader.group(w, {}, groupBy)) {
            const kept = reader.histogramStats(w, g, from, now, true);
            const plain = w.stats(g.series, from, now, true);
            expect(figures(kept.dist), `seed ${seed}, tick ${tick}, ${length} ms, group ${key}`).toEqual(figures(plain.dist));
            const keys = new Set(g.series.map((s) => s.key));
            const other = fresh.stats(
              fresh.series.filter((s) => keys.has(s.key)),
              from,
              now,
              true,
            );
            expect(percentiles(kept.dist), `seed ${seed}, tick ${tick}, ${length} ms, group ${key}: fresh read`).toEqual(percentiles(other.dist));
            checks++;
          }
        }
      }
      caches.retain(reader);
    }
  } finally {
    for (const m of monitors) await m.close();
  }
  return checks;
}

describe('the rule engine’s kept bucket counts against a read without them', () => {
  it('reads the same distributions on random fleets, tick after tick, as a read of the same window without them and as a fresh read', async () => {
    const updates = vi.spyOn(DistMemo.prototype, 'update');
    let checks = 0;
    for (let seed = 1; seed <= 40; seed++) checks += await history(seed, false);
    expect(checks).toBeGreaterThan(40 * 40 * 3 * 3);
    // The memos were read, and mostly kept from a tick to the next (not made again each tick).
    expect(updates.mock.calls.length).toBeGreaterThan(checks / 2);
    updates.mockRestore();
  }, 120_000);

  // Removing a series and recording it again. Seed 41 removes one at the instant a slot begins and
  // flushes (a zero-length slot, then the series' next slot with the same start): its own rollups
  // were matched to ring slots by start alone, so the engine's window (built over the widest
  // range, holding the zero-length rollup) counted the next slot twice where a fresh read of the
  // last minute did not (window-query-build.ts' `take` matches by count and sum too).
  it('reads the same distributions as a read of the same window without them and as a fresh read when series are removed', async () => {
    let checks = 0;
    for (let seed = 1; seed <= 41; seed++) checks += await history(seed, true);
    expect(checks).toBeGreaterThan(40 * 40 * 3 * 3);
  }, 120_000);
});
