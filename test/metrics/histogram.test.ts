import { describe, expect, it } from 'vitest';
import { ValidationError, createMonitor, type PulsewatchError } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

function setup(options: Parameters<typeof createMonitor>[0] = {}) {
  const clock = new ManualClock();
  const monitor = createMonitor({ clock, ...options });
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  const h = monitor.histogram({ name: 'op_duration_seconds', help: 'x', labelNames: ['op'], unit: 'seconds' });
  return { clock, monitor, errors, h };
}

describe('histogram definition', () => {
  it('rejects invalid options with a ConfigError naming the option', () => {
    const { monitor } = setup();
    expect(() => monitor.histogram({ name: 'a_seconds', buckets: [1, 1] })).toThrow(/buckets: buckets must be strictly increasing/);
    expect(() => monitor.histogram({ name: 'b_seconds', significantDigits: 9 })).toThrow(/significantDigits/);
    expect(() => monitor.histogram({ name: 'c', labelNames: ['le'] })).toThrow(/reserved/);
  });
});

describe('histogram observe', () => {
  it('drops and reports negative, NaN, infinite and over-range values without throwing', () => {
    const { monitor, errors, h } = setup();
    const small = monitor.histogram({ name: 'small', maxValue: 10 });
    expect(() => {
      h.observe(-1, { op: 'a' });
      h.observe(Number.NaN, { op: 'a' });
      h.labels({ op: 'bound' }).observe(Infinity);
      small.observe(11);
      h.observe('7' as unknown as number, { op: 'a' });
    }).not.toThrow();
    expect(errors).toHaveLength(5);
    expect(errors.every((e) => e instanceof ValidationError)).toBe(true);
    expect(errors[0]!.message).toContain('op_duration_seconds');
    expect(monitor.exportPrometheusMetrics()).toContain('pulsewatch_dropped_total{reason="invalid_value"} 5');
    // Rejected values never create series; a bound handle is its series, so it exists, empty.
    expect(monitor.exportPrometheusMetrics()).not.toContain('op="a"');
    expect(monitor.exportPrometheusMetrics()).toContain('op_duration_seconds_count{op="bound"} 0');
  });

  it('throws the ValidationError instead in strict mode', () => {
    const { h } = setup({ strict: true });
    expect(() => h.observe(-1, { op: 'a' })).toThrow(ValidationError);
  });

  it('treats the bound handle and the labeled call as the same series', async () => {
    const { monitor, h } = setup();
    h.labels({ op: 'a' }).observe(0.1);
    h.observe(0.3, { op: 'a' });
    const agg = await monitor.getAggregatedMetrics({ name: 'op_duration_seconds', labels: { op: 'a' } });
    expect(agg.count).toBe(2);
    expect(agg.sum).toBeCloseTo(0.4);
    expect(agg.series).toBe(1);
  });

  it('reports exact percentiles while a slot holds few values (nearest rank)', async () => {
    const { monitor, h } = setup();
    const b = h.labels({ op: 'a' });
    for (let i = 1; i <= 100; i++) b.observe(i / 1000);
    const agg = await monitor.getAggregatedMetrics({ name: 'op_duration_seconds' });
    expect(agg.p50).toBe(0.05);
    expect(agg.p90).toBe(0.09);
    expect(agg.p99).toBe(0.099);
    expect(agg.p999).toBe(0.1);
    expect(agg.min).toBe(0.001);
    expect(agg.max).toBe(0.1);
  });

  it('stays within 1% of exact percentiles once slots switch to HDR buckets', async () => {
    const { monitor, h } = setup();
    const b = h.labels({ op: 'a' });
    let seed = 7;
    const rand = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) + 0.5) / 2 ** 31;
    const values: number[] = [];
    for (let i = 0; i < 50_000; i++) {
      const normal = Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand());
      const v = Math.exp(-2.5 + 0.8 * normal);
      values.push(v);
      b.observe(v);
    }
    values.sort((x, y) => x - y);
    const exact = (p: number) => values[Math.ceil(Number(((p / 100) * values.length).toPrecision(12))) - 1]!;
    const agg = await monitor.getAggregatedMetrics({ name: 'op_duration_seconds' });
    for (const [p, got] of [[50, agg.p50], [90, agg.p90], [95, agg.p95], [99, agg.p99], [99.9, agg.p999]] as const) {
      expect(Math.abs(got - exact(p)) / exact(p), `p${p}`).toBeLessThan(0.01);
    }
    expect(agg.count).toBe(50_000);
  });

  it('times with startTimer through the monitor clock, adding labels at stop', async () => {
    const { monitor, clock, h } = setup();
    const stop = h.startTimer();
    clock.advance(250);
    expect(stop({ op: 'timed' })).toBe(0.25);
    const bound = h.labels({ op: 'bound' }).startTimer();
    clock.advance(1500);
    expect(bound()).toBe(1.5);
    const agg = await monitor.getAggregatedMetrics({ name: 'op_duration_seconds', labels: { op: 'timed' } });
    expect(agg.sum).toBe(0.25);
  });

  it('returns milliseconds from timers of a milliseconds histogram', () => {
    const { monitor, clock } = setup();
    const ms = monitor.histogram({ name: 'step_milliseconds', unit: 'milliseconds' });
    const stop = ms.startTimer();
    clock.advance(42);
    expect(stop()).toBe(42);
  });
});

describe('histogram time slots', () => {
  it('keeps values in memory for the configured slots and rotates old ones out of the window', async () => {
    const { monitor, clock, h } = setup({ histogram: { slotLength: '10s', slots: 3 } });
    const b = h.labels({ op: 'a' });
    b.observe(1);
    clock.advance(10_000);
    b.observe(2);
    clock.advance(10_000);
    b.observe(3);
    // Three slots hold 1, 2 and 3; a window counts every slot that overlaps it, so the last
    // 10 s (from the start of the second slot) covers the newer two only.
    const recent = await monitor.getAggregatedMetrics({ name: 'op_duration_seconds', window: '10s' });
    expect([recent.count, recent.sum]).toEqual([2, 5]);
    clock.advance(10_000);
    b.observe(4);
    // The ring reused the oldest slot: memory holds 2, 3, 4; storage still has the first one.
    const all = await monitor.getAggregatedMetrics({ name: 'op_duration_seconds', window: '1h' });
    expect([all.count, all.sum]).toEqual([4, 10]);
  });

  it('exposes cumulative buckets that never go down when slots rotate', () => {
    const { monitor, clock, h } = setup();
    const b = h.labels({ op: 'a' });
    const count = () => Number(/op_duration_seconds_count\{op="a"\} (\d+)/.exec(monitor.exportPrometheusMetrics())![1]);
    for (let i = 0; i < 300; i++) b.observe(0.01 * (i % 50));
    expect(count()).toBe(300);
    for (let slot = 0; slot < 15; slot++) {
      clock.advance(30_000);
      b.observe(0.2);
    }
    expect(count()).toBe(315);
    const text = monitor.exportPrometheusMetrics();
    expect(text).toContain('op_duration_seconds_bucket{op="a",le="+Inf"} 315');
  });
});

describe('histogram timers in milliseconds', () => {
  it.each([
    ['unit milliseconds', { name: 'a_milliseconds', unit: 'milliseconds' }],
    ['unit ms', { name: 'b_ms', unit: 'ms' }],
    ['a _milliseconds name without unit', { name: 'c_milliseconds' }],
  ] as const)('record milliseconds for %s', (_case, options) => {
    const clock = new ManualClock();
    const h = createMonitor({ clock }).histogram(options);
    const stop = h.startTimer();
    clock.advance(250);
    expect(stop()).toBe(250);
  });
});
