/**
 * The fleet evaluation bench's setup (bench/fleet-evaluation.ts's method), shared with the
 * profiling scripts beside it so that they profile exactly what the bench measures: 3 monitors
 * on one store and clock, `http_request_duration_seconds{route,status,method}` (1,000 routes x 5
 * statuses x 2 methods = 10,000 series, series i recorded on instance i % 3 only), ten 30 s slots
 * of 3 observations per series flushed before measuring, and the 1,000 rules of bench/alerts.ts
 * declared once on the first monitor.
 */
import { createMonitor, type AggregationInput, type BoundHistogram, type Monitor, type StorageAdapter } from '../src/index.js';
import type { ManualClock } from '../src/testing.js';
import { fillThree } from './fill.js';

const ROUTES = 1_000;
const STATUSES = ['200', '201', '404', '500', '503'];
const METHODS = ['GET', 'POST'];
const INSTANCES = 3;
const AGGREGATIONS: AggregationInput[] = ['p95', 'avg', 'errorRate', 'rate', 'p99'];

/** The three monitors (the first evaluates), and `fill()`: 3 fresh observations on every series. */
export interface BenchFleet {
  monitors: Monitor[];
  fill(): void;
  /** Series recorded across the fleet (10,000). */
  series: number;
}

/** Builds the fleet on `storage` and `clock` in its steady state (full rings, 5 minutes stored, rules declared). */
export async function startBenchFleet(storage: StorageAdapter, clock: ManualClock): Promise<BenchFleet> {
  const monitors: Monitor[] = [];
  const bound: BoundHistogram[][] = [];
  for (let i = 0; i < INSTANCES; i++) {
    // Past the default maxSeriesPerMetric (1,000): until 2026-12-06 each instance folded all but
    // 1,000 of its 3,334 series into its overflow series, so the rules saw 3,000 series, not 10,000.
    const m = createMonitor({ clock, storage, service: 'bench-fleet', limits: { maxRules: ROUTES, maxSeriesPerMetric: 10_000 }, alerts: { evaluationInterval: '1h', syncInterval: '1h' } });
    monitors.push(m);
    bound.push([]);
  }
  let n = 0;
  for (let r = 0; r < ROUTES; r++) {
    for (const status of STATUSES) {
      for (const method of METHODS) {
        const i = n++ % INSTANCES;
        const h = monitors[i]!.getMetric('http_request_duration_seconds') ?? monitors[i]!.histogram({ name: 'http_request_duration_seconds', labelNames: ['route', 'status', 'method'], unit: 'seconds' });
        bound[i]!.push((h as ReturnType<Monitor['histogram']>).labels({ route: `/r/${r}`, status, method }));
      }
    }
  }
  const fill = fillThree(...bound);
  for (let s = 0; s < 10; s++) {
    fill();
    await clock.advanceAsync(30_000);
    for (const m of monitors) await m.flush();
  }
  for (let i = 0; i < ROUTES; i++) await monitors[0]!.alerts.ensureRule({ id: `route-${i}`, ...routeRule(i) });
  return { monitors, fill, series: n };
}

/** Rule `i` of bench/alerts.ts's 1,000 (one route each): p95/avg/errorRate/rate/p99 over 5 m, half of them firing. */
export function routeRule(i: number) {
  return {
    name: `route ${i}`,
    metric: 'http_request_duration_seconds',
    labels: { route: `/r/${i}` },
    aggregation: AGGREGATIONS[i % AGGREGATIONS.length]!,
    window: '5m',
    condition: 'greater_than',
    threshold: i % 2 === 0 ? 0.5 : 100,
    duration: '1m',
  } as const;
}
