import { AlertEngine } from './alerts/engine.js';
import type { CapabilityContext } from './capability.js';
import type { Clock } from './core/clock.js';
import type { Diagnostics } from './core/diagnostics.js';
import { HealthRegistry } from './health/registry.js';
import { Jobs } from './jobs/jobs.js';
import { aggregate } from './metrics/aggregate.js';
import type { MetricPipeline } from './metrics/pipeline.js';
import type { MonitorEvents } from './monitor-events.js';
import type { ResolvedMonitorOptions } from './monitor-options.js';
import { NotificationDispatcher } from './notifiers/dispatcher.js';
import { BreakerRegistry } from './resilience/breaker-registry.js';
import { SlaReporter } from './sla/reporter.js';
import type { StorageAdapter } from './storage/contract.js';
import { TimelineRegistry } from './timeline/registry.js';

/** A monitor's capabilities, built on one {@link CapabilityContext}. */
export interface Capabilities {
  notifications: NotificationDispatcher;
  alerts: AlertEngine;
  health: HealthRegistry;
  breakers: BreakerRegistry;
  /** `monitor.jobs`: the in-process job runner. */
  jobs: Jobs;
  /** `monitor.timeline()`: phase timing. */
  timelines: TimelineRegistry;
  /** `monitor.slaReport()`: seed 004's SLA analysis. */
  sla: SlaReporter;
}

/** What the capabilities share of their monitor. */
export interface CapabilityParts {
  /** The clock that holds timers until the monitor's first use. */
  clock: Clock;
  service: string;
  storage: StorageAdapter;
  pipeline: MetricPipeline;
  reporter: Diagnostics<MonitorEvents>;
}

/** Builds the capabilities of a monitor: each gets the context, never the monitor. */
export function createCapabilities(parts: CapabilityParts, options: ResolvedMonitorOptions): Capabilities {
  const { pipeline, reporter } = parts;
  const context: CapabilityContext = {
    clock: parts.clock,
    service: parts.service,
    storage: parts.storage,
    metrics: pipeline.registry,
    metricContext: pipeline.ctx,
    emit: (event, ...args) => reporter.emit(event, ...args),
    report: (error) => reporter.emit('error', error),
    drop: (reason, count) => reporter.drop(reason, count),
    // Rules read the store as every instance's readers do: no extension's beforeRead (a flush
    // request to every cluster worker) per tick.
    aggregate: (query) => aggregate(pipeline.sources, query),
  };
  const notifications = new NotificationDispatcher(context, options.notifiers, options.notifications);
  const { maxRules, maxAlertsPerRule } = options.limits;
  const timelines = new TimelineRegistry(context);
  return {
    notifications,
    alerts: new AlertEngine(context, notifications, options.alerts, { maxRules, maxAlertsPerRule }),
    health: new HealthRegistry(context),
    breakers: new BreakerRegistry(context),
    jobs: new Jobs(context, options.jobs),
    timelines,
    sla: new SlaReporter(context, timelines),
  };
}
