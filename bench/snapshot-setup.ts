/**
 * The snapshot bench's setup (bench/snapshot.ts's method), shared with the probes beside it so
 * that they probe exactly what the bench measures: one monitor on a ManualClock (at the current
 * hour) whose `yield` is a real event-loop turn, a `MemoryStorage` on that clock,
 * `http_request_duration_seconds{route,status}` over 1,000 routes x 5 statuses = 5,000 series,
 * and ten 30 s slots of 3 observations per series, each flushed to the store.
 */
import { createMonitor, MemoryStorage, type BoundHistogram, type Monitor } from '../src/index.js';
import { ManualClock } from '../src/testing.js';
import { fillThree } from './fill.js';

/** A ManualClock whose `yield` is a real turn of the event loop, as the system clock's. */
export class TurningClock extends ManualClock {
  override yield(): Promise<void> {
    // The global looked up per call: a probe may wrap setImmediate after this module loads.
    return new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** The bench's monitor in its steady state, its clock, and `fill()`: 3 fresh observations on every series. */
export interface SnapshotBenchSetup {
  clock: TurningClock;
  monitor: Monitor;
  fill(): void;
  /** Series recorded (5,000). */
  series: number;
}

/** Builds the snapshot bench's monitor with five minutes of every series recorded and flushed. */
export async function startSnapshotBench(): Promise<SnapshotBenchSetup> {
  const clock = new TurningClock(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage, service: 'bench-snapshot', limits: { maxSeriesPerMetric: 10_000 } });
  const h = monitor.histogram({ name: 'http_request_duration_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
  const bound: BoundHistogram[] = [];
  for (let r = 0; r < 1_000; r++) for (const status of ['200', '201', '404', '500', '503']) bound.push(h.labels({ route: `/r/${r}`, status }));
  const fill = fillThree(bound);
  for (let s = 0; s < 10; s++) {
    fill();
    await clock.advanceAsync(30_000);
    await monitor.flush();
  }
  return { clock, monitor, fill, series: bound.length };
}
