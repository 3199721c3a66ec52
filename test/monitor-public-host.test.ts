// What the monitoring handler uses of a monitor is public: scrape() and reportError() here, the
// rest of MonitoringHost (snapshot, recordMetrics, getAggregatedMetrics...) in their own tests.
import { describe, expect, it } from 'vitest';
import { createMonitor, isConfigError, PulsewatchError, ValidationError } from '../src/index.js';
import { ManualClock } from '../src/testing.js';
import { recordEvents, T0 } from './helpers/monitor-harness.js';

function setup() {
  const monitor = createMonitor({ clock: new ManualClock(T0), logger: false });
  monitor.counter({ name: 'orders_total', help: 'Orders' }).inc(2);
  monitor.gauge({ name: 'queue_depth', help: 'Queue depth' }).set(5);
  return { monitor, events: recordEvents(monitor) };
}

describe('monitor.scrape()', () => {
  it('resolves to the exposition exportPrometheusMetrics renders, in both formats and with a names filter', async () => {
    const { monitor } = setup();
    await expect(monitor.scrape()).resolves.toBe(monitor.exportPrometheusMetrics());
    await expect(monitor.scrape({ format: 'openmetrics' })).resolves.toBe(monitor.exportPrometheusMetrics({ format: 'openmetrics' }));
    const only = await monitor.scrape({ names: ['queue_depth'] });
    expect(only).toContain('queue_depth 5');
    expect(only).not.toContain('orders_total');
  });

  it('rejects with the ConfigError exportPrometheusMetrics throws for an unknown format', async () => {
    const { monitor } = setup();
    const error = await monitor.scrape({ format: 'json' as never }).catch((e: unknown) => e);
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/format must be "prometheus" or "openmetrics", got "json"/);
  });
});

describe('monitor.reportError()', () => {
  it('emits a PulsewatchError as it is, and wraps anything else with its cause', () => {
    const { monitor, events } = setup();
    const validation = new ValidationError('bad body', []);
    monitor.reportError(validation);
    const cause = new Error('socket hang up');
    monitor.reportError(cause);
    monitor.reportError('a string');
    expect(events.errors[0]).toBe(validation);
    expect(events.errors[1]).toBeInstanceOf(PulsewatchError);
    expect(events.errors[1]).toMatchObject({ code: 'ERR_PULSEWATCH_INTERNAL', cause });
    expect(events.errors[1]!.message).toContain('socket hang up');
    expect(events.errors[2]).toMatchObject({ code: 'ERR_PULSEWATCH_INTERNAL', cause: 'a string' });
    expect(events.errors).toHaveLength(3);
  });

  it('never throws, even when the error listener does', () => {
    const { monitor } = setup();
    monitor.on('error', () => {
      throw new Error('listener bug');
    });
    expect(() => monitor.reportError(new Error('route failed'))).not.toThrow();
  });
});
