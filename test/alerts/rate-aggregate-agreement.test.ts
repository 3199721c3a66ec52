/**
 * A rule's `rate` and getAggregatedMetrics' `rate` divide by the same time: the time the slots
 * they count cover (`rateWindow`), not the range's length. A rule window ends at now, mid-slot
 * most of the time, so dividing by its length made a rule `rate > x` fire where the aggregate
 * (and a dashboard reading it) showed less than x.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage, type Monitor } from '../../src/index.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';
import { HOUR, MINUTE, SECOND, T0, probe, probeValue, setup, type Setup } from './support.js';

const SLOT = 30_000;
const open: Monitor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

function started(): Setup & { storage: MemoryStorage } {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now(), retention: '1d' });
  const s = { ...setup({ storage, logger: false, instanceId: 'self' }, clock), storage };
  open.push(s.monitor);
  return s;
}

/** `perSecond` calls of `fn` a second, one second at a time, for `seconds`. */
async function steady(s: Setup, seconds: number, perSecond: number, fn: () => void): Promise<void> {
  for (let t = 0; t < seconds; t++) {
    for (let i = 0; i < perSecond; i++) fn();
    await s.clock.advanceAsync(SECOND);
  }
}

/** Whether a `rate > threshold` rule over `window` fires now. */
async function fires(s: Setup, metric: string, window: string, threshold: number): Promise<boolean> {
  const rule = await s.monitor.alerts.createRule(probe(`rate over ${threshold}`, metric, { aggregation: 'rate', window, condition: 'gt', threshold }));
  await s.monitor.alerts.evaluate();
  const fired = s.monitor.alerts.getActiveAlerts().some((a) => a.ruleId === rule.id);
  await s.monitor.alerts.deleteRule(rule.id);
  return fired;
}

describe('rule rate and getAggregatedMetrics rate over a range misaligned with slots', () => {
  it('histogram: both read a true 10/s over the last minute ending mid-slot, and a rate > 10.5 rule does not fire', async () => {
    const s = started();
    const h = s.monitor.histogram({ name: 'latency_seconds', unit: 'seconds' });
    await steady(s, 95, 10, () => h.observe(0.01));
    // now = 95 s: [35 s, 95 s) counts the slots [30, 60), [60, 90) and [90, now): 650 over 65 s (650 / 60 would be 10.83).
    const agg = await s.monitor.getAggregatedMetrics({ name: 'latency_seconds', window: '1m' });
    expect(agg.rateWindow).toBe(65 * SECOND);
    expect(agg.rate).toBe(10);
    expect(await probeValue(s, 'latency_seconds', { aggregation: 'rate', window: '1m' })).toBe(agg.rate);
    expect(await fires(s, 'latency_seconds', '1m', 10.5)).toBe(false);
    expect(await fires(s, 'latency_seconds', '1m', 9.5)).toBe(true);
  });

  it('counter: the rule reads the aggregate rate (increase over the covered time) with the range mid-slot', async () => {
    const s = started();
    const c = s.monitor.counter({ name: 'orders_total' });
    await steady(s, 100, 4, () => c.inc());
    // now = 100 s: [40 s, 100 s) counts [30, 60), [60, 90) and [90, now): 280 over 70 s.
    const agg = await s.monitor.getAggregatedMetrics({ name: 'orders_total', window: '1m' });
    expect(agg.rateWindow).toBe(70 * SECOND);
    expect(agg.rate).toBe(4);
    expect(await probeValue(s, 'orders_total', { aggregation: 'rate', window: '1m' })).toBe(agg.rate);
    expect(await fires(s, 'orders_total', '1m', 4.2)).toBe(false);
  });

  it('divides by the whole of a longer slot another instance wrote, as the aggregate does', async () => {
    const s = started();
    await s.clock.advanceAsync(10 * MINUTE + 15 * SECOND);
    const hour: Rollup = { name: 'latency_seconds', kind: 'histogram', labels: {}, start: T0, end: T0 + HOUR, count: 36_000, sum: 360, min: 0.01, max: 0.01, service: 'x', instance: 'other' };
    await s.storage.writeRollups([hour]);
    const agg = await s.monitor.getAggregatedMetrics({ name: 'latency_seconds', window: '1m' });
    // The hour's rollup counts whole; its time runs from T0 to now (the slot is not over yet).
    expect(agg.rateWindow).toBe(10 * MINUTE + 15 * SECOND);
    expect(await probeValue(s, 'latency_seconds', { aggregation: 'rate', window: '1m' })).toBe(agg.rate);
  });

  it('keeps dividing by the window when now is on the slot grid', async () => {
    const s = started();
    const h = s.monitor.histogram({ name: 'latency_seconds', unit: 'seconds' });
    await steady(s, 4 * SLOT / SECOND, 10, () => h.observe(0.01));
    const agg = await s.monitor.getAggregatedMetrics({ name: 'latency_seconds', window: '1m' });
    expect(agg.rateWindow).toBe(MINUTE);
    expect(await probeValue(s, 'latency_seconds', { aggregation: 'rate', window: '1m' })).toBe(10);
  });
});
