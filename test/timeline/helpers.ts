/**
 * A monitor on a ManualClock and its timeline and SLA capabilities (the ones the monitor wires:
 * `monitor.timeline()` and `monitor.slaReport()` go to them).
 */
import type { DroppedEvent } from '../../src/core/events.js';
import { createMonitor, type Monitor, type MonitorOptions, type PulsewatchError } from '../../src/index.js';
import type { SlaReporter } from '../../src/sla/reporter.js';
import { ManualClock } from '../../src/testing.js';
import type { TimelineRegistry } from '../../src/timeline/registry.js';

/** 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);
export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

export interface Setup {
  clock: ManualClock;
  monitor: Monitor;
  timelines: TimelineRegistry;
  sla: SlaReporter;
  errors: PulsewatchError[];
  drops: DroppedEvent[];
}

/** A monitor on a ManualClock at {@link T0} (or `clock`, which may be shared) with its errors and drops collected. */
export function setup(options: MonitorOptions = {}, clock = new ManualClock(T0)): Setup {
  const monitor = createMonitor({ clock, logger: false, ...options });
  // The monitor's own capabilities, reached past its public calls for what they do not show (get()).
  const { timelines, sla } = (monitor as unknown as { parts: { timelines: TimelineRegistry; sla: SlaReporter } }).parts;
  const errors: PulsewatchError[] = [];
  const drops: DroppedEvent[] = [];
  monitor.on('error', (e) => errors.push(e));
  monitor.on('dropped', (d) => drops.push(d));
  return { clock, monitor, timelines, sla, errors, drops };
}

/** Seed 004's pipeline. */
export const CHAT_PHASES = ['queued', 'started', 'completed', 'delivered'] as const;
