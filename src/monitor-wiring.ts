import { systemClock, type Clock } from './core/clock.js';
import { DeferredClock } from './core/deferred-clock.js';
import { Diagnostics } from './core/diagnostics.js';
import { MetricPipeline } from './metrics/pipeline.js';
import { SeedRecords } from './metrics/seed-records.js';
import { createCapabilities, type Capabilities } from './monitor-capabilities.js';
import type { MonitorEvents } from './monitor-events.js';
import { Lifecycle } from './monitor-lifecycle.js';
import { monitorStorage, type MonitorStore, type ResolvedMonitorOptions } from './monitor-options.js';
import { MonitorReads } from './monitor-snapshot.js';
import { MonitorAnalysis } from './monitor-analysis.js';
import { compactionSettings } from './storage/compaction-options.js';
import { CompactionSchedule } from './storage/compaction-schedule.js';
import { readFleetRingSpan, RingSpanPublisher } from './storage/ring-spans.js';
import { hasRole } from './storage/roles.js';

/**
 * Attaches `diagnostics` (the `error` event, under its log policy) to the side failures of a
 * store the user gave (see `StorageLifecycle.attachSideFailures`); the detach function, or
 * undefined when the store has no hook or keeps its own `onError`. A hook that throws attaches
 * nothing: the store is the user's, and the monitor still works without it.
 */
function attachSideFailures(store: ResolvedMonitorOptions['storage'], diagnostics: Diagnostics<MonitorEvents>): (() => void) | undefined {
  if (store === undefined || typeof store.attachSideFailures !== 'function') return undefined;
  try {
    const detach = store.attachSideFailures((error) => diagnostics.fail(error));
    return typeof detach === 'function' ? detach : undefined;
  } catch (error) {
    diagnostics.fail(error);
    return undefined;
  }
}

/** The parts one monitor is made of, wired to each other; `Monitor` delegates its calls to them. */
export interface MonitorParts extends Capabilities {
  clock: Clock;
  /** The clock that holds the parts' timers until the first use (see DeferredClock). */
  timers: DeferredClock;
  diagnostics: Diagnostics<MonitorEvents>;
  storage: MonitorStore;
  pipeline: MetricPipeline;
  records: SeedRecords;
  reads: MonitorReads;
  analysis: MonitorAnalysis;
  lifecycle: Lifecycle;
}

/**
 * Builds a monitor's parts from its resolved options. `start` is the monitor's first-use hook:
 * every part calls it on its first record, read or timer, and it must tolerate being called
 * while the parts are still being built (it is a no-op until the lifecycle exists).
 */
export function wireMonitor(options: ResolvedMonitorOptions, start: () => void): MonitorParts {
  const { service, limits, instanceId, histogram, flush } = options;
  const clock = options.clock ?? systemClock;
  // For the snapshot's uptime, on the monotonic clock (a wall clock set back must not make it
  // negative); reading the time is allowed anywhere, timers and random values are not.
  const startedAt = clock.monotonic();
  const diagnostics = new Diagnostics<MonitorEvents>({ now: () => clock.now(), strict: options.strict, logger: options.logger });
  const timers = new DeferredClock(clock, start);
  const { storage, owned } = monitorStorage(options.storage, () => clock.now());
  const pipeline = new MetricPipeline({ service, instanceId, histogram, flush, limits }, { clock: timers, storage, reporter: diagnostics, start });
  diagnostics.countDropsIn(pipeline.dropped);
  const { registry, recorded, sources } = pipeline;
  const records = new SeedRecords({ registry, recorded, reporter: diagnostics, clock: timers, maxIssues: limits.maxIssues, start });
  const capabilities = createCapabilities({ clock: timers, service, storage, pipeline, reporter: diagnostics }, options);
  const { alerts, breakers, timelines, sla, notifications, jobs } = capabilities;
  const settings = { requestMetric: options.snapshot.requestMetric, window: options.snapshot.window, maxSeries: limits.maxSnapshotSeries };
  const reads = new MonitorReads({
    registry,
    sources,
    service,
    uptime: () => clock.monotonic() - startedAt,
    settings,
    reporter: diagnostics,
    start,
    activeAlerts: () => alerts.getActiveAlerts(),
    breakers: () => breakers.list(),
  });
  const analysis = new MonitorAnalysis({ sources, timelines, sla, start, beforeRead: () => reads.extensions.beforeRead() });
  // A store given to the monitor reports its side failures (name index writes, malformed stored
  // entries) on this monitor's `error` event, unless its user gave the store an `onError`; until
  // the close's last step, so the last write's are heard too.
  const detach = attachSideFailures(options.storage, diagnostics);
  const lifecycle = new Lifecycle({
    clock,
    timers,
    pipeline,
    diagnostics,
    closeTimeout: flush.closeTimeout,
    stopBreakers: () => breakers.close(),
    stopAlerts: () => {
      timelines.close();
      return alerts.stop();
    },
    closeNotifications: (ms, graceMs) => notifications.close(ms, graceMs),
    closeStorage:
      owned === undefined && detach === undefined
        ? undefined
        : async () => {
            try {
              await owned?.close();
            } finally {
              detach?.();
            }
          },
    closeStorageLabel: owned === undefined ? 'detaching from the given store' : 'storage.close()',
  });
  // Running jobs finish (within the jobs' own bound) and waiting ones become dead letters before the last write.
  lifecycle.onClose(() => jobs.close());
  // Rollup compaction (the `compaction` option): its timer is held like the others until the monitor starts.
  const compaction = compactionSettings(options.compaction);
  const memorySpan = histogram.slots * histogram.slotLength;
  // A store the user gave may be shared with a fleet: a compaction anywhere in it must not merge
  // the slots this monitor reads from its ring (ring-spans.ts). Its timer waits for the start too.
  const shared = options.storage !== undefined && hasRole(storage, 'state') ? storage : undefined;
  if (shared !== undefined) {
    const publisher = new RingSpanPublisher({ clock: timers, store: shared, reporter: diagnostics, instance: () => pipeline.instanceId, span: memorySpan, period: compaction?.interval });
    publisher.start();
    lifecycle.onClose(() => publisher.stop());
  }
  if (compaction !== undefined) {
    const fleetSpan = shared === undefined ? undefined : async (signal: AbortSignal) => (await readFleetRingSpan(shared, timers.now(), { signal })).span;
    const schedule = new CompactionSchedule(compaction, { clock: timers, storage, reporter: diagnostics, memorySpan, fleetSpan });
    schedule.start();
    lifecycle.onClose(() => schedule.stop());
  }
  return { ...capabilities, clock, timers, diagnostics, storage, pipeline, records, reads, analysis, lifecycle };
}
