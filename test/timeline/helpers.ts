/**
 * A monitor on a ManualClock and the timeline and SLA capabilities built on a CapabilityContext
 * the way monitor-capabilities.ts builds every capability's (until the monitor wires them).
 */
import type { CapabilityContext } from '../../src/capability.js';
import type { Diagnostics } from '../../src/core/diagnostics.js';
import type { DroppedEvent } from '../../src/core/events.js';
import type { MetricPipeline } from '../../src/metrics/pipeline.js';
import type { MonitorEvents } from '../../src/monitor-events.js';
import { createMonitor, type Monitor, type MonitorOptions, type PulsewatchError } from '../../src/index.js';
import { SlaReporter } from '../../src/sla/reporter.js';
import { ManualClock } from '../../src/testing.js';
import { TimelineRegistry } from '../../src/timeline/registry.js';

/** 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);
export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export interface Setup {
  clock: ManualClock;
  monitor: Monitor;
  ctx: CapabilityContext;
  timelines: TimelineRegistry;
  sla: SlaReporter;
  errors: PulsewatchError[];
  drops: DroppedEvent[];
}

/** A monitor on a ManualClock at {@link T0} (or `clock`, which may be shared) with its errors and drops collected. */
export function setup(options: MonitorOptions = {}, clock = new ManualClock(T0)): Setup {
  const monitor = createMonitor({ clock, logger: false, ...options });
  // The monitor's own parts, as createCapabilities receives them.
  const { pipeline, diagnostics } = monitor as unknown as { pipeline: MetricPipeline; diagnostics: Diagnostics<MonitorEvents> };
  const ctx: CapabilityContext = {
    clock: pipeline.ctx.clock,
    service: monitor.service,
    storage: monitor.storage,
    metrics: pipeline.registry,
    metricContext: pipeline.ctx,
    emit: (event, ...args) => diagnostics.emit(event, ...args),
    report: (error) => diagnostics.emit('error', error),
    drop: (reason, count) => diagnostics.drop(reason, count),
    aggregate: (query) => monitor.getAggregatedMetrics(query),
  };
  const timelines = new TimelineRegistry(ctx);
  const sla = new SlaReporter(ctx, timelines);
  const errors: PulsewatchError[] = [];
  const drops: DroppedEvent[] = [];
  monitor.on('error', (e) => errors.push(e));
  monitor.on('dropped', (d) => drops.push(d));
  return { clock, monitor, ctx, timelines, sla, errors, drops };
}

/** Seed 004's pipeline. */
export const CHAT_PHASES = ['queued', 'started', 'completed', 'delivered'] as const;
