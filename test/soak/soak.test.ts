/**
 * A simulated week (test/soak/scenario.ts): traffic every 30 s slot on the ManualClock, new
 * tenants every hour (series evicted after `seriesTtl`), a rule created and one deleted every
 * hour, a 20-minute store outage every 6 hours, and one poison series per hour whose rollups the
 * store refuses. Asserts what must hold after any week of this:
 * - every accepted value is accounted for: read back from the store, or counted dropped;
 * - only the poison values are dropped (`rejected`), every genuine one is stored;
 * - `pulsewatch_dropped_total` and the `dropped` events agree, reason by reason;
 * - the heap after a full GC stays within HEAP_BOUND of its size after the first day (warm-up:
 *   the store's 24 h retention filled), and the retained state (series, buffered rollups,
 *   rules, active alerts, alert records in the store) stays bounded.
 * A longer run: `node scripts/soak.mjs --days 28`.
 */
import { describe, expect, it } from 'vitest';
import { runSoak, type SoakFigures } from './scenario.js';

/** Heap growth allowed from the end of day 1 to any later day end: 2 MiB over 6 days flags a leak of 350 KiB a day. */
const HEAP_BOUND = 2 * 2 ** 20;
const ROUTES = 5;
const TENANTS_PER_HOUR = 3;

describe('soak: a simulated week of traffic, churn and store faults', () => {
  let figures: SoakFigures | undefined;
  const week = async (): Promise<SoakFigures> => (figures ??= await runSoak({ days: 7, routes: ROUTES, tenantsPerHour: TENANTS_PER_HOUR, perSlot: 2 }));

  it('accounts for every accepted value: stored (read back from the store) + counted drops = accepted', { timeout: 180_000 }, async () => {
    const f = await week();
    const dropped = Object.values(f.dropped).reduce((a, b) => a + b, 0);
    expect({ storedPlusDropped: f.stored + dropped, dropped: f.dropped }).toEqual({ storedPlusDropped: f.accepted, dropped: f.dropped });
    // The scenario did what it claims: outages and poison happened, a week of values was accepted.
    expect(f.store.outageRejections).toBeGreaterThan(0);
    expect(f.store.poisonRollupsSeen).toBeGreaterThan(0);
    expect(f.accepted).toBe(7 * 2880 * (ROUTES * TENANTS_PER_HOUR * 2 + 1));
  });

  it('drops only the poison values (rejected); every genuine value and observation is stored', { timeout: 180_000 }, async () => {
    const f = await week();
    expect(f.dropped).toEqual({ rejected: f.poisonAccepted });
    expect(f.stored).toBe(f.accepted - f.poisonAccepted);
    expect(f.observedStored).toBe(f.observed);
  });

  it('counts drops the same in pulsewatch_dropped_total and in the dropped events', { timeout: 180_000 }, async () => {
    const f = await week();
    expect(f.droppedEvents).toEqual(f.dropped);
  });

  it(`keeps the heap after GC within ${HEAP_BOUND / 2 ** 20} MiB of its size after the first day`, { timeout: 180_000 }, async () => {
    const f = await week();
    const [warm, ...later] = f.heap.daily;
    const growth = later.map((h) => h - warm!);
    expect(Math.max(...growth), `heap after GC by day (MiB): ${f.heap.daily.map((h) => (h / 2 ** 20).toFixed(2)).join(', ')}`).toBeLessThanOrEqual(HEAP_BOUND);
  });

  it('keeps the retained state bounded: series, buffered rollups, rules, active alerts', { timeout: 180_000 }, async () => {
    const f = await week();
    // Series: this hour's tenants and the last hour's (TTL 1 h), per route, plus the poison ones and the per-route histogram.
    expect(f.peak.series).toBeLessThanOrEqual(3 * (ROUTES * TENANTS_PER_HOUR + 1) + ROUTES);
    // A 20-minute outage buffers ~40 slots of rollups; far below flush.maxBuffered.
    expect(f.peak.buffered).toBeLessThanOrEqual(5_000);
    expect(f.end.buffered).toBe(0);
    expect(f.peak.rules).toBeLessThanOrEqual(4);
    expect(f.peak.activeAlerts).toBeLessThanOrEqual(4 * TENANTS_PER_HOUR * 4);
  });

  it("keeps the default store's alert history bounded like its rollups", { timeout: 180_000 }, async () => {
    const f = await week();
    // The store's alert history is bounded like its rollups: day 7 holds no more than day 2 (+25 %).
    expect(f.storeAlerts.at(-1), `alert records in the store by day: ${f.storeAlerts.join(', ')}`).toBeLessThanOrEqual(Math.ceil(1.25 * f.storeAlerts[1]!));
  });
});
