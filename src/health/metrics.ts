import type { CapabilityContext } from '../capability.js';
import { ConfigError, isPulsewatchError } from '../core/errors.js';
import type { Gauge } from '../metrics/gauge.js';
import type { Histogram } from '../metrics/histogram.js';
import { STATUS_GAUGE_VALUE } from './status.js';
import type { HealthStatus } from './types.js';

/** Names of the metrics the health registry records. */
export const HEALTH_METRICS = Object.freeze({
  /** Gauge per check: 1 healthy, 0.5 degraded, 0 unhealthy. */
  checkStatus: 'health_check_status',
  /** Histogram per check: run durations in seconds (timeouts included, at their budget). */
  checkDuration: 'health_check_duration_seconds',
  /** Gauge: the status of the last full `check()` (no group), same values as the per-check gauge. */
  status: 'health_status',
});

/**
 * The health metrics of one monitor. Defined on the first `register`, so a monitor without
 * checks exposes none of them. If a name is already taken by a metric of another definition,
 * the problem is reported once and health keeps working without metrics.
 */
export class HealthMetrics {
  private checkStatus: Gauge<'check'> | undefined;
  private checkDuration: Histogram<'check'> | undefined;
  private status: Gauge | undefined;
  private defined = false;

  constructor(private readonly ctx: CapabilityContext) {}

  /** Defines the metrics if not done yet. */
  define(): void {
    if (this.defined) return;
    this.defined = true;
    try {
      const m = this.ctx.metrics;
      this.checkStatus = m.gauge({ name: HEALTH_METRICS.checkStatus, help: 'Health check status: 1 healthy, 0.5 degraded, 0 unhealthy', labelNames: ['check'] as const });
      this.checkDuration = m.histogram({
        name: HEALTH_METRICS.checkDuration,
        help: 'Health check run time (timeouts count at their budget)',
        labelNames: ['check'] as const,
        unit: 'seconds',
      });
      this.status = m.gauge({ name: HEALTH_METRICS.status, help: 'Overall health of the last full check: 1 healthy, 0.5 degraded, 0 unhealthy' });
    } catch (error) {
      const e = isPulsewatchError(error) ? error : new ConfigError(String(error), { cause: error });
      this.ctx.report(new ConfigError(`health metrics are disabled: ${e.message}`, { cause: e }));
    }
  }

  /** Records one run of `check`. */
  recordRun(check: string, status: HealthStatus, durationMs: number): void {
    this.checkStatus?.set(STATUS_GAUGE_VALUE[status], { check });
    this.checkDuration?.observe(durationMs / 1000, { check });
  }

  /** Records the status of a full `check()`. */
  recordOverall(status: HealthStatus): void {
    this.status?.set(STATUS_GAUGE_VALUE[status]);
  }

  /** Drops the status series of an unregistered check, so it stops claiming a status. */
  forget(check: string): void {
    const gauge = this.checkStatus;
    if (gauge === undefined) return;
    // Gauges hold state and are never evicted for idleness: remove the series explicitly.
    for (const series of gauge.index.values()) {
      if (series.labels.check === check) gauge.index.evict(series);
    }
  }
}
