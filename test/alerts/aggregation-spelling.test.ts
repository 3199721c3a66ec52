import { describe, expect, it } from 'vitest';
import { checks, isValidationError, ValidationError, type HealthCheckOutcome } from '../../src/index.js';
import { SECOND, probe, probeValue, setup } from './support.js';

const ACCEPTED = 'mean (or avg), min, max, sum, count, rate, p50, p90, p95, p99, p999, last';

describe('one spelling per aggregation: mean, with avg accepted as an alias', () => {
  it('evaluates a rule written with mean as one written with avg', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    for (const v of [10, 20, 60]) h.observe(v);
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation: 'mean' })).toBe(30);
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation: 'avg' })).toBe(30);
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation: { type: 'change', of: 'mean' } })).not.toBeUndefined();
  });

  it('hands the engine one value: a rule written with mean is held as avg, in conditions and detectors too', async () => {
    const s = setup();
    const rule = await s.monitor.alerts.createRule(
      probe('spelled mean', 'latency_ms', {
        aggregation: 'mean',
        conditions: [{ metric: 'latency_ms', aggregation: { type: 'spike', of: 'mean' }, condition: 'gt', threshold: 2 }],
      }),
    );
    expect(rule.aggregation).toBe('avg');
    expect(rule.conditions![0]!.aggregation).toEqual({ type: 'spike', of: 'avg', baselineWindow: 3_600_000 });
  });

  it('refuses an unknown aggregation with a message naming the accepted ones', async () => {
    const s = setup();
    const error = await s.monitor.alerts.createRule(probe('median', 'latency_ms', { aggregation: 'median' as never })).catch((e: unknown) => e);
    expect(isValidationError(error)).toBe(true);
    expect((error as ValidationError).message).toContain(`aggregation: expected one of ${ACCEPTED}, errorRate`);
    expect((error as ValidationError).message).toContain('got "median"');
  });

  it('names the accepted detector types and the accepted `of` for a detector', async () => {
    const s = setup();
    const badType = await s.monitor.alerts.createRule(probe('t', 'm', { aggregation: { type: 'trend' } as never })).catch((e: unknown) => e);
    expect((badType as ValidationError).message).toContain('aggregation.type: expected one of errorRate, compliance, spike, change, regression, got "trend"');
    const badOf = await s.monitor.alerts.createRule(probe('o', 'm', { aggregation: { type: 'spike', of: 'median' } as never })).catch((e: unknown) => e);
    expect((badOf as ValidationError).message).toContain(`aggregation.of: expected one of ${ACCEPTED}, got "median"`);
  });

  it('checks.metric reads avg as mean, and names the accepted figures for an unknown one', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'response_time' });
    for (const v of [100, 300]) h.observe(v);
    const report = (await checks.metric(s.monitor, { metric: 'response_time', aggregation: 'avg', warn: 150 })({ signal: new AbortController().signal, clock: s.clock, name: 'latency' })) as HealthCheckOutcome;
    expect(report.details).toMatchObject({ aggregation: 'mean', value: 200, result: 'warn' });
    expect(() => checks.metric(s.monitor, { metric: 'response_time', aggregation: 'median' as never })).toThrow(`expected one of ${ACCEPTED}, got "median"`);
  });
});
