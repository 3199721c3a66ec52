/**
 * The monitor the properties drive: small limits so overflow, eviction and late records happen
 * within a few operations, errors collected instead of thrown (outside strict mode nothing may
 * throw), and the drop counter read back per reason.
 */
import { expect } from 'vitest';
import { createMonitor, isPulsewatchError, type Counter, type DropReason, type Monitor, type MonitorOptions } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

export const DROP_REASONS: readonly DropReason[] = ['invalid_value', 'buffer_full', 'shutdown', 'cardinality', 'rejected', 'late', 'metric_limit', 'alert_limit'];

export const T0 = Date.UTC(2026, 0, 1, 12);

/** A monitor for one property run. */
export function propertyMonitor(options: Partial<MonitorOptions> = {}): { monitor: Monitor; clock: ManualClock; errors: unknown[]; recorded: () => number } {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({
    service: 'prop',
    clock,
    ...options,
    limits: { maxSeriesPerMetric: 4, maxRecordedMetrics: 6, maxMetrics: 20, ...options.limits },
  });
  const errors: unknown[] = [];
  monitor.on('error', (e) => errors.push(e));
  let recorded = 0;
  monitor.on('metricRecorded', () => recorded++);
  return { monitor, clock, errors, recorded: () => recorded };
}

/** Total of `pulsewatch_dropped_total` over every reason. */
export function droppedTotal(monitor: Monitor): number {
  const dropped = monitor.getMetric('pulsewatch_dropped_total') as Counter<'reason'> | undefined;
  if (dropped === undefined) return 0;
  return DROP_REASONS.reduce((sum, reason) => sum + dropped.get({ reason }), 0);
}

/** Asserts every error the monitor reported is a PulsewatchError with a code. */
export function expectPulsewatchErrors(errors: readonly unknown[]): void {
  for (const e of errors) {
    expect(isPulsewatchError(e), `reported a non-PulsewatchError: ${String(e)}`).toBe(true);
    expect(typeof (e as { code: unknown }).code).toBe('string');
  }
}

/** Runs `fn`; a throw fails with what was thrown, named. */
export function noThrow<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw new Error(`${what} threw into the caller: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`, { cause: error });
  }
}

/** The exposition in both formats (each call must not throw either). */
export function expositions(monitor: Monitor): { text: string; openmetrics: string } {
  return {
    text: noThrow('exportPrometheusMetrics()', () => monitor.exportPrometheusMetrics()),
    openmetrics: noThrow("exportPrometheusMetrics({ format: 'openmetrics' })", () => monitor.exportPrometheusMetrics({ format: 'openmetrics' })),
  };
}

/** A value shown in a failure message: strings JSON-escaped, the rest by type. */
export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'symbol' || typeof v === 'function') return typeof v;
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** `s` as well-formed UTF-16, each lone surrogate replaced by U+FFFD (what UTF-8 carries). */
export function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
