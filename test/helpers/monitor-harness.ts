import type { PulsewatchError } from '../../src/core/errors.js';
import type { DroppedEvent, FlushedEvent } from '../../src/core/events.js';
import { createMonitor, type Monitor } from '../../src/monitor.js';
import type { MonitorOptions } from '../../src/monitor-options.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { FlakyStorage, type FlakyStorageOptions } from './flaky-storage.js';

/** 2026-01-01T00:00:00Z: the ManualClock default, a multiple of every slot length used in tests. */
export const T0 = Date.UTC(2026, 0, 1);

/** What a monitor emitted, collected in order. */
export interface EventLog {
  flushed: FlushedEvent[];
  dropped: DroppedEvent[];
  errors: PulsewatchError[];
}

/** Collects `flushed`, `dropped` and `error` events of a monitor. */
export function recordEvents(monitor: Monitor): EventLog {
  const log: EventLog = { flushed: [], dropped: [], errors: [] };
  monitor.on('flushed', (e) => log.flushed.push(e));
  monitor.on('dropped', (e) => log.dropped.push(e));
  monitor.on('error', (e) => log.errors.push(e));
  return log;
}

/** Sum of `dropped` counts with `reason`. */
export function droppedCount(log: EventLog, reason: DroppedEvent['reason']): number {
  return log.dropped.filter((d) => d.reason === reason).reduce((n, d) => n + d.count, 0);
}

/** A monitor on a ManualClock writing to a FlakyStorage, with its events collected. */
export interface Harness {
  clock: ManualClock;
  storage: FlakyStorage;
  monitor: Monitor;
  events: EventLog;
}

/** Creates a {@link Harness}. `options.clock` and `options.storage` are filled in. */
export function createHarness(options: MonitorOptions = {}, start = T0, storageOptions: FlakyStorageOptions = {}): Harness {
  const clock = new ManualClock(start);
  const storage = new FlakyStorage({ now: () => clock.now(), ...storageOptions });
  const monitor = createMonitor({ ...options, clock, storage });
  return { clock, storage, monitor, events: recordEvents(monitor) };
}

/** The value of one sample line (`name{labels} value`) in Prometheus text, or undefined. */
export function sampleValue(text: string, sample: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return undefined;
}
