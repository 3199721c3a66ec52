import { describe, expect, it } from 'vitest';
import type { AggregationInput, Histogram } from '../../src/index.js';
import { MINUTE, SECOND, firingValue, probe, probeValue, setup, type Setup } from './support.js';

const SLOT = 30 * SECOND;

/** Evaluations only when asked for: walking an hour of slots stays quick. */
const QUIET = { alerts: { evaluationInterval: '1h' } } as const;

/** Observes `valueOf(k)` once in each of `slots` consecutive 30 s slots, closing and flushing each. */
async function oneValuePerSlot(s: Setup, h: Histogram, slots: number, valueOf: (k: number) => number): Promise<void> {
  for (let k = 0; k < slots; k++) {
    h.observe(valueOf(k));
    await s.clock.advanceAsync(SLOT);
  }
}

describe('spike', () => {
  const spike: AggregationInput = { type: 'spike', of: 'avg', baselineWindow: '1h' };

  it('fires when the recent average exceeds 1.5 times the baseline window\'s (seed 002)', async () => {
    const s = setup(QUIET);
    const h = s.monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds' });
    await s.monitor.alerts.createRule({ name: 'Response time spike', metric: 'http_request_duration_seconds', aggregation: spike, window: '5m', condition: 'gt', threshold: 1.5 });
    // 60 minutes at 100 ms, then 5 minutes at 400 ms.
    await oneValuePerSlot(s, h, 130, (k) => (k < 120 ? 0.1 : 0.4));
    await s.monitor.alerts.evaluate();
    const active = s.monitor.alerts.getActiveAlerts();
    expect(active).toHaveLength(1);
    expect(active[0]!.value).toBeGreaterThan(1.5);
    expect(active[0]!.message).toContain('spike(avg)');
  });

  it('does not fire on a flat series: the ratio stays 1', async () => {
    const s = setup(QUIET);
    const h = s.monitor.histogram({ name: 'latency_ms' });
    await oneValuePerSlot(s, h, 130, () => 100);
    expect(await probeValue(s, 'latency_ms', { aggregation: spike, window: '5m' })).toBeCloseTo(1, 10);
  });

  it('divides the recent window\'s average by the whole baseline window\'s, read back from storage', async () => {
    const s = setup(QUIET);
    const h = s.monitor.histogram({ name: 'latency_ms' });
    // Slots 0..125 at 100, 126..129 (the last 2 minutes) at 400.
    await oneValuePerSlot(s, h, 130, (k) => (k < 126 ? 100 : 400));
    s.clock.advance(SECOND);
    // Recent 2 minutes: slots 126..129 = 400. Last hour: slots 10..129 = (116 x 100 + 4 x 400) / 120 = 110.
    expect(await probeValue(s, 'latency_ms', { aggregation: spike, window: '2m' })).toBeCloseTo(400 / 110, 10);
  });

  it('has no value while the baseline window has no data or averages 0', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'queue_wait_ms' });
    expect(await probeValue(s, 'queue_wait_ms', { aggregation: spike, window: '5m' })).toBeNull();
    h.observe(0);
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'queue_wait_ms', { aggregation: spike, window: '5m' })).toBeNull();
  });

  it('defaults to avg over a 1 hour baseline', async () => {
    const s = setup();
    const rule = await s.monitor.alerts.createRule(probe('spike', 'latency_ms', { aggregation: { type: 'spike' } }));
    expect(rule.aggregation).toEqual({ type: 'spike', of: 'avg', baselineWindow: 3_600_000 });
  });
});

describe('change', () => {
  /** Two values in each minute: `previous` in the first, `current` in the second; evaluated at T0 + 2 min. */
  async function twoMinutes(previous: number, current: number) {
    const s = setup();
    const h = s.monitor.histogram({ name: 'message_latency_ms' });
    await oneValuePerSlot(s, h, 2, () => previous);
    await oneValuePerSlot(s, h, 2, () => current);
    return s;
  }

  it.each([
    ['both', 100, 160, 60],
    ['both', 100, 40, 60],
    ['up', 100, 160, 60],
    ['up', 100, 40, -60],
    ['down', 100, 40, 60],
    ['down', 100, 160, -60],
  ] as const)('computes the %s change from %d to %d as %d %%', async (direction, previous, current, expected) => {
    const s = await twoMinutes(previous, current);
    expect(await probeValue(s, 'message_latency_ms', { aggregation: { type: 'change', of: 'avg', direction }, window: '1m' })).toBeCloseTo(expected, 10);
  });

  it('fires on a change of more than 50 % either way (seed 004), and not on a smaller one', async () => {
    const rule = { name: 'Latency trend', metric: 'message_latency_ms', aggregation: { type: 'change', of: 'avg' }, window: '1m', condition: 'greater_than', threshold: 50 } as const;
    for (const [current, fires] of [[160, true], [40, true], [140, false], [60, false]] as const) {
      const s = await twoMinutes(100, current);
      await s.monitor.alerts.createRule(rule);
      await s.monitor.alerts.evaluate();
      expect(s.monitor.alerts.getActiveAlerts().length, `100 -> ${current}`).toBe(fires ? 1 : 0);
    }
  });

  it('compares whole windows even when they reach back further than memory', async () => {
    const s = setup(QUIET);
    const h = s.monitor.histogram({ name: 'message_latency_ms' });
    // Previous 30 minutes at 100; current 30 minutes: 50 slots at 200, then the last 10 (in memory) at 100.
    await oneValuePerSlot(s, h, 120, (k) => (k < 60 ? 100 : k < 110 ? 200 : 100));
    // Current: (50 x 200 + 10 x 100) / 60 = 183.3; previous: 100; change +83.3 %.
    expect(await probeValue(s, 'message_latency_ms', { aggregation: { type: 'change', of: 'avg', direction: 'up' }, window: '30m' })).toBeCloseTo(83.333, 2);
  });

  it('has no value when the previous window is empty', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'message_latency_ms' });
    h.observe(100);
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'message_latency_ms', { aggregation: { type: 'change' }, window: '1m' })).toBeNull();
  });
});

describe('regression', () => {
  it('computes the percent by which the value is worse than an explicit baseline', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'job_duration_milliseconds' });
    for (const v of [110, 130]) h.observe(v);
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'job_duration_milliseconds', { aggregation: { type: 'regression', baseline: 100 }, window: '1m' })).toBeCloseTo(20, 10);
    expect(await probeValue(s, 'job_duration_milliseconds', { aggregation: { type: 'regression', of: 'max', baseline: 100 }, window: '1m' })).toBeCloseTo(30, 10);
    expect(await probeValue(s, 'job_duration_milliseconds', { aggregation: { type: 'regression', baseline: 200 }, window: '1m' })).toBeCloseTo(-40, 10);
  });

  it('fires on a regression over 10 % against an explicit baseline (seed 000)', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'job_duration_milliseconds' });
    await s.monitor.alerts.createRule({ name: 'Regression', metric: 'job_duration_milliseconds', aggregation: { type: 'regression', baseline: 1000 }, window: '5m', condition: 'gt', threshold: 10 });
    h.observe(1050);
    await s.at(SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toEqual([]);
    h.observe(1350);
    await s.at(2 * SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toMatchObject([{ value: 20 }]);
  });

  it('learns the baseline the first time the window holds minCount observations, then measures against it', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'job_duration_milliseconds' });
    const rule = await s.monitor.alerts.createRule(probe('regression', 'job_duration_milliseconds', { aggregation: { type: 'regression' }, window: '1m' }));
    for (let i = 0; i < 9; i++) h.observe(100);
    await s.at(SECOND);
    // 9 of 10 observations: nothing learned yet, no value.
    expect(firingValue(s.monitor, rule.id)).toBeNull();
    h.observe(100);
    await s.at(2 * SECOND);
    expect(firingValue(s.monitor, rule.id)).toBe(0);
    // Two minutes later the window holds slower runs only.
    await s.at(2 * MINUTE);
    for (let i = 0; i < 3; i++) h.observe(150);
    await s.at(2 * MINUTE + SECOND);
    expect(firingValue(s.monitor, rule.id)).toBeCloseTo(50, 10);
  });

  it('honours a custom minCount', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'job_duration_milliseconds' });
    const rule = await s.monitor.alerts.createRule(probe('regression', 'job_duration_milliseconds', { aggregation: { type: 'regression', minCount: 2 }, window: '1m' }));
    h.observe(200);
    await s.at(SECOND);
    expect(firingValue(s.monitor, rule.id)).toBeNull();
    h.observe(200);
    await s.at(2 * SECOND);
    expect(firingValue(s.monitor, rule.id)).toBe(0);
  });

  it('learns a separate baseline for each group', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'job_duration_milliseconds', labelNames: ['job'] });
    const rule = await s.monitor.alerts.createRule(probe('regression', 'job_duration_milliseconds', { aggregation: { type: 'regression', minCount: 2 }, window: '1m', groupBy: ['job'] }));
    for (let i = 0; i < 2; i++) {
      h.observe(100, { job: 'fast' });
      h.observe(1000, { job: 'slow' });
    }
    await s.at(SECOND);
    await s.at(2 * MINUTE);
    for (let i = 0; i < 2; i++) {
      h.observe(200, { job: 'fast' });
      h.observe(1100, { job: 'slow' });
    }
    await s.at(2 * MINUTE + SECOND);
    expect(firingValue(s.monitor, rule.id, { job: 'fast' })).toBeCloseTo(100, 10);
    expect(firingValue(s.monitor, rule.id, { job: 'slow' })).toBeCloseTo(10, 10);
  });

  it('keeps the learned baseline through an edit that leaves the conditions alone, and forgets it when they change', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'job_duration_milliseconds' });
    const rule = await s.monitor.alerts.createRule(probe('regression', 'job_duration_milliseconds', { aggregation: { type: 'regression', minCount: 2 }, window: '1m' }));
    h.observe(100);
    h.observe(100);
    await s.at(SECOND);
    await s.at(2 * MINUTE);
    h.observe(150);
    h.observe(150);
    await s.monitor.alerts.updateRule(rule.id, { severity: 'critical' });
    await s.at(2 * MINUTE + SECOND);
    expect(firingValue(s.monitor, rule.id)).toBeCloseTo(50, 10);
    await s.monitor.alerts.updateRule(rule.id, { window: '2m' });
    await s.at(2 * MINUTE + 2 * SECOND);
    // A new baseline is learned from the window as it is now.
    expect(firingValue(s.monitor, rule.id)).toBe(0);
  });
});
