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
  /**
   * Gauge: the status of the whole from the latest result of every check, same values as the
   * per-check gauge. No sample until that status is known (see {@link HealthMetrics.recordOverall}).
   */
  status: 'health_status',
});

/**
 * The health metrics of one monitor. The per-check ones are defined on the first `register`, so
 * a monitor without checks exposes none of them; `health_status` on its first value, because an
 * unlabeled gauge is exposed from its definition on, and a 0 there would claim `unhealthy`
 * before anything was checked. If a name is already taken by a metric of another definition,
 * the problem is reported once and health keeps working without metrics.
 */
export class HealthMetrics {
  private checkStatus: Gauge<'check'> | undefined;
  private checkDuration: Histogram<'check'> | undefined;
  private status: Gauge | undefined;
  /** `define()` ran and its metrics could be defined: `health_status` may follow. */
  private enabled = false;
  private defined = false;

  constructor(private readonly ctx: CapabilityContext) {}

  /** Defines the per-check metrics if not done yet. */
  define(): void {
    if (this.defined) return;
    this.defined = true;
    this.enabled = this.guard(() => {
      const m = this.ctx.metrics;
      this.checkStatus = m.gauge({ name: HEALTH_METRICS.checkStatus, help: 'Health check status: 1 healthy, 0.5 degraded, 0 unhealthy', labelNames: ['check'] as const });
      this.checkDuration = m.histogram({
        name: HEALTH_METRICS.checkDuration,
        help: 'Health check run time (timeouts count at their budget)',
        labelNames: ['check'] as const,
        unit: 'seconds',
      });
    });
  }

  /** Records one run of `check`. */
  recordRun(check: string, status: HealthStatus, durationMs: number): void {
    this.checkStatus?.set(STATUS_GAUGE_VALUE[status], { check });
    this.checkDuration?.observe(durationMs / 1000, { check });
  }

  /**
   * Records the status of the whole. The first call defines `health_status`: until then it has
   * no sample, which Prometheus reads as unknown (`absent(health_status)`), not as unhealthy.
   */
  recordOverall(status: HealthStatus): void {
    if (this.status === undefined && this.enabled) {
      this.enabled = this.guard(() => {
        this.status = this.ctx.metrics.gauge({ name: HEALTH_METRICS.status, help: 'Overall health from the latest result of every check: 1 healthy, 0.5 degraded, 0 unhealthy' });
      });
    }
    this.status?.set(STATUS_GAUGE_VALUE[status]);
  }

  /** Runs `definitions`; a name taken by another definition is reported once and gives false. */
  private guard(definitions: () => void): boolean {
    try {
      definitions();
      return true;
    } catch (error) {
      const e = isPulsewatchError(error) ? error : new ConfigError(String(error), { cause: error });
      this.ctx.report(new ConfigError(`health metrics are disabled: ${e.message}`, { cause: e }));
      return false;
    }
  }

  /**
   * Drops the status series of an unregistered check, so it stops claiming a status (what it set
   * in the current slot is still written). Gauges hold state and are never evicted for idleness.
   */
  forget(check: string): void {
    this.checkStatus?.remove({ check });
  }
}
