import type { Clock } from './core/clock.js';
import type { PulsewatchError } from './core/errors.js';
import type { DropReason } from './core/events.js';
import type { AggregateQuery, AggregatedMetrics } from './metrics/aggregate.js';
import type { MetricContext } from './metrics/context.js';
import type { MetricRegistry } from './metrics/registry.js';
import type { MonitorEvents } from './monitor-events.js';
import type { StorageAdapter } from './storage/contract.js';

/**
 * What a monitor hands to each capability (alerts, health, breakers, notifiers): its clock,
 * metrics, storage and event channel. Capabilities depend on this, never on `Monitor` itself, so
 * they can be built and tested alone and the monitor stays the one composition root.
 */
export interface CapabilityContext {
  readonly clock: Clock;
  /** The monitor's service name. */
  readonly service: string;
  readonly storage: StorageAdapter;
  /** The monitor's metrics: define counters, gauges and histograms here. */
  readonly metrics: MetricRegistry;
  /** @internal Slot timing and the HDR codec of the monitor's metrics (the rule engine reads slots). */
  readonly metricContext: MetricContext;
  /** Emits a monitor event to its listeners; a listener that throws is reported, never rethrown. */
  emit<E extends keyof MonitorEvents>(event: E, ...args: Parameters<MonitorEvents[E]>): void;
  /** Reports an error through the `error` event. Never throws. */
  report(error: PulsewatchError): void;
  /** Counts `count` items not kept on `pulsewatch_dropped_total{reason}` and emits `dropped`. Never throws. */
  drop(reason: DropReason, count: number): void;
  /** Same as `monitor.getAggregatedMetrics`. */
  aggregate(query: AggregateQuery): Promise<AggregatedMetrics>;
}
