// Builds the jobs capability the way the monitor does (createCapabilities on a context), with a
// ManualClock and a store of the test's choice, until `monitor.jobs` is wired into Monitor.
import { DeferredClock } from '../../src/core/deferred-clock.js';
import { Diagnostics } from '../../src/core/diagnostics.js';
import { parseOptions } from '../../src/core/options.js';
import type { JobsOptions } from '../../src/jobs/options.js';
import { exportMetrics } from '../../src/metrics/exposition/export.js';
import { MetricPipeline } from '../../src/metrics/pipeline.js';
import { createCapabilities } from '../../src/monitor-capabilities.js';
import type { MonitorEvents } from '../../src/monitor-events.js';
import { monitorOptionsSchema } from '../../src/monitor-options.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import type { StorageAdapter } from '../../src/storage/roles.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

export const T0 = Date.UTC(2026, 0, 1);

/** A jobs capability on a manual clock; `text()` is its monitor's Prometheus exposition. */
export function jobsHarness(input: { clock?: ManualClock; storage?: StorageAdapter; jobs?: JobsOptions; service?: string } = {}) {
  const clock = input.clock ?? new ManualClock(T0);
  const storage = input.storage ?? new MemoryStorage({ now: () => clock.now() });
  const service = input.service ?? 'publisher';
  const options = { ...parseOptions(monitorOptionsSchema, { service, clock, storage, ...(input.jobs === undefined ? {} : { jobs: input.jobs }) }, 'test monitor options') };
  const reporter = new Diagnostics<MonitorEvents>({ now: () => clock.now(), strict: false, logger: false });
  const errors: Error[] = [];
  reporter.on('error', (e) => void errors.push(e));
  const timers: DeferredClock = new DeferredClock(clock, () => timers.start());
  const pipeline = new MetricPipeline(
    { service, instanceId: options.instanceId, histogram: options.histogram, flush: options.flush, limits: options.limits },
    { clock: timers, storage, reporter, start: () => timers.start() },
  );
  const { jobs } = createCapabilities({ clock: timers, service, storage, pipeline, reporter }, options);
  timers.ready();
  return {
    clock,
    storage,
    jobs,
    errors,
    registry: pipeline.registry,
    text: () => exportMetrics(pipeline.registry, undefined, reporter),
  };
}

/** The value of one sample line (`name{labels} value`) in Prometheus text; 0 when absent. */
export function sample(text: string, line: string): number {
  for (const l of text.split('\n')) if (l.startsWith(`${line} `)) return Number(l.slice(line.length + 1));
  return 0;
}

/** A promise and its resolvers. */
export function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** A job body that takes `ms` of `clock` time and counts how many run at once. */
export function timedBody(clock: ManualClock, ms: number) {
  const state = { running: 0, maxRunning: 0, started: [] as number[], ended: [] as number[] };
  const body = (_payload: unknown): Promise<void> => {
    state.running++;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    state.started.push(clock.now());
    // The timer's task is the job's completion: the clock's idle() waits for what follows it.
    const done: Promise<void> = new Promise<void>((resolve) =>
      clock.setTimeout(() => {
        state.running--;
        state.ended.push(clock.now());
        resolve();
        return done;
      }, ms),
    );
    return done;
  };
  return { body, state };
}
