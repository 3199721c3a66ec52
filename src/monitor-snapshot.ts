import type { Reporter } from './core/diagnostics.js';
import { ValidationError } from './core/errors.js';
import { buildSnapshot, type MetricsSnapshot } from './metrics/snapshot.js';
import type { WindowQuerySources } from './metrics/window-query.js';
import type { BreakerStats } from './resilience/types.js';
import type { AlertRecord } from './storage/records.js';

/** Options of `monitor.snapshot()`; a filter of another type (or `null` options) is ignored. */
export interface SnapshotOptions {
  /** Only this job in `jobs` (seed 000's `?jobId=`). */
  jobId?: string;
  /** Only histograms with these names in `performance` (all when absent). */
  names?: readonly string[];
}

/** `monitor.snapshot()`: seed 000's /api/metrics shape, plus the monitor's circuit breakers. */
export interface MonitorSnapshot extends MetricsSnapshot {
  /** Every circuit breaker with its state and stats. */
  breakers: BreakerStats[];
}

/** What a snapshot reads: the metrics' window sources and the capabilities it lists. */
export interface SnapshotParts {
  sources: WindowQuerySources;
  service: string;
  /** When the monitor was created: the snapshot's uptime counts from it. */
  startedAt: number;
  settings: { requestMetric: string; window: number; maxSeries: number };
  reporter: Reporter;
  activeAlerts(): AlertRecord[];
  breakers(): BreakerStats[];
}

/**
 * The snapshot view: the metrics part from the window query (this process's memory, its rollups
 * waiting to be written and every instance's stored rollups), then the firing alerts and the
 * breakers, each list bounded by `limits.maxSnapshotSeries`. A store that cannot be read gives a
 * snapshot of this process's data and an `error` event.
 */
export async function snapshotView(parts: SnapshotParts, options: SnapshotOptions | undefined): Promise<MonitorSnapshot> {
  const max = parts.settings.maxSeries;
  const { jobId, names } = readFilters(options, max, parts.reporter);
  const snapshot = await buildSnapshot({
    ...parts.sources,
    service: parts.service,
    startedAt: parts.startedAt,
    requestMetric: parts.settings.requestMetric,
    window: parts.settings.window,
    jobId,
    names,
    maxSeries: max,
    storageFailed: (error) => parts.reporter.emit('error', error),
  });
  const active = parts.activeAlerts();
  snapshot.alerts = { active: active.length, items: active.slice(0, max) };
  snapshot.truncated.alerts = Math.max(0, active.length - max);
  return { ...snapshot, breakers: parts.breakers() };
}

/**
 * A read never throws for its filters: one that is not a string (or a list of them) is ignored,
 * and options that throw when read (a revoked Proxy, a throwing getter) are reported as an
 * invalid value (rejected in strict mode) and ignored.
 */
function readFilters(options: SnapshotOptions | undefined, max: number, reporter: Reporter): { jobId: string | undefined; names: string[] | undefined } {
  try {
    const job: unknown = options?.jobId;
    const list: unknown = options?.names;
    return {
      jobId: typeof job === 'string' ? job : undefined,
      // Each name may cost a store read: at most limits.maxSnapshotSeries of them, once each.
      names: Array.isArray(list) ? [...new Set(list.filter((n): n is string => typeof n === 'string'))].slice(0, max) : undefined,
    };
  } catch (cause) {
    reporter.reject(new ValidationError('snapshot: options could not be read; the snapshot ignores its filters', [{ path: 'options', message: 'reading it threw' }], { cause }));
    return { jobId: undefined, names: undefined };
  }
}
