import { z } from 'zod';
import type { Monitor } from '../monitor.js';
import type { BoundCounter, Counter } from '../metrics/counter.js';
import type { BoundGauge } from '../metrics/gauge.js';
import type { BoundHistogram, Histogram } from '../metrics/histogram.js';

/** Route label of requests no route matched: one series for all of them, never the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Names of the metrics every HTTP integration records. */
export const HTTP_METRICS = {
  requests: 'http_requests_total',
  duration: 'http_request_duration_seconds',
  inFlight: 'http_requests_in_flight',
} as const;

/** Options shared by the HTTP integrations that record request metrics. */
export const requestMetricsOptionsSchema = z.object({
  /** The `status` label: the code (`'200'`, default) or its class (`'2xx'`). */
  statusLabel: z.enum(['code', 'class']).default('code'),
  /** Histogram bucket bounds in seconds (default: Prometheus' client defaults). */
  buckets: z.array(z.number().positive()).min(1).optional(),
  /** Keep the `http_requests_in_flight` gauge (default true). */
  inFlight: z.boolean().default(true),
});

/** Options accepted wherever request metrics are recorded. */
export type RequestMetricsOptions = z.input<typeof requestMetricsOptionsSchema>;

type RequestLabel = 'method' | 'route' | 'status';

interface BoundPair {
  readonly requests: BoundCounter;
  readonly duration: BoundHistogram;
  readonly method: string;
  /** The status code, or its class digit when the label is the class. */
  readonly statusKey: number;
}

/**
 * The handles of one route label of one {@link RequestMetrics}, from {@link RequestMetrics.routeOf}.
 * Integrations that can keep it (the Express middleware, per route object) record through it
 * with no lookup by label. Most requests of a route share one method and status (GET, 200), so
 * the last pair used is checked first; the others are few, and scanned (in a tight loop this
 * took the Express middleware from ~480 to ~390 ns a request against a route -> method ->
 * status tree of maps).
 * @internal
 */
export class RouteSeries {
  last: BoundPair | undefined = undefined;
  readonly pairs: BoundPair[] = [];

  constructor(readonly route: string) {}
}

/**
 * The route label function of an integration: the user's `route(req)` when it returns a string
 * (as the {@link RouteSeries} of `metrics`), else `fallback(req)` (also when `route` throws: the
 * request still counts). Built once.
 */
export function routeLabel<Req>(
  metrics: RequestMetrics,
  custom: ((req: Req) => string | undefined) | undefined,
  fallback: (req: Req) => RouteSeries,
): (req: Req) => RouteSeries {
  if (custom === undefined) return fallback;
  return (req) => {
    try {
      const route = custom(req);
      if (typeof route === 'string') return metrics.routeOf(route);
    } catch {
      // Falls back to the default label; the request still counts.
    }
    return fallback(req);
  };
}

/** Label sets whose handles are kept (and route labels whose series are); past this lookups go through the metric. */
const MAX_BOUND = 1_000;

const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * Records `http_requests_total`, `http_request_duration_seconds` (by method, route template and
 * status) and `http_requests_in_flight` for one monitor. Bound handles are cached per label set
 * in a {@link RouteSeries} per route label (keyed by the string the caller already holds, then
 * method and status number), so after the first request of a kind a request builds no label
 * object and no key string; callers that keep the RouteSeries skip the lookup by label too.
 * @internal Shared by the Express middleware, the Next.js wrapper and node:http's httpMetrics
 * (those two through node-requests.ts's tracker).
 */
export class RequestMetrics {
  private readonly requests: Counter<RequestLabel>;
  private readonly duration: Histogram<RequestLabel>;
  private readonly inFlight: BoundGauge | undefined;
  private readonly routes = new Map<string, RouteSeries>();
  private boundCount = 0;
  private readonly statusClass: boolean;
  private readonly clock: Monitor['clock'];

  constructor(monitor: Monitor, options: z.output<typeof requestMetricsOptionsSchema>) {
    this.clock = monitor.clock;
    this.statusClass = options.statusLabel === 'class';
    this.requests = monitor.counter({
      name: HTTP_METRICS.requests,
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
    });
    this.duration = monitor.histogram({
      name: HTTP_METRICS.duration,
      help: 'HTTP request duration by method, route and status',
      labelNames: ['method', 'route', 'status'],
      unit: 'seconds',
      ...(options.buckets ? { buckets: options.buckets } : {}),
    });
    // The unlabeled series, bound once: inc/dec then skip the label lookup.
    this.inFlight = options.inFlight ? monitor.gauge({ name: HTTP_METRICS.inFlight, help: 'HTTP requests being served' }).labels({}) : undefined;
  }

  /** Marks a request as started; returns the start time to hand to {@link end}. */
  start(): number {
    this.inFlight?.inc();
    return this.clock.monotonic();
  }

  /** Records a request that started at `start` and ended with `status` (0: the connection closed first). */
  end(start: number, method: string, route: string, status: number): void {
    this.record(start, method, this.routeOf(route), status);
  }

  /** As {@link end}, with the route's series from {@link routeOf} (kept by the caller: no lookup). */
  record(start: number, method: string, route: RouteSeries, status: number): void {
    const seconds = (this.clock.monotonic() - start) / 1000;
    this.inFlight?.dec();
    const statusKey = this.statusClass ? Math.floor(status / 100) : status;
    const last = route.last;
    const pair = last !== undefined && last.statusKey === statusKey && last.method === method ? last : this.pairOf(route, method, statusKey);
    pair.requests.inc();
    pair.duration.observe(seconds);
  }

  /**
   * The series of route label `route`, the same object for the same label while fewer than
   * MAX_BOUND label sets are bound; past that a new one each call (see {@link pairOf}).
   */
  routeOf(route: string): RouteSeries {
    let series = this.routes.get(route);
    if (series === undefined) {
      series = new RouteSeries(route);
      if (this.boundCount < MAX_BOUND) this.routes.set(route, series);
    }
    return series;
  }

  private pairOf(series: RouteSeries, method: string, statusKey: number): BoundPair {
    let pair = series.pairs.find((p) => p.statusKey === statusKey && p.method === method);
    if (pair === undefined) {
      const status = this.statusClass ? (STATUS_CLASSES[statusKey] ?? 'other') : String(statusKey);
      const labels = { method, route: series.route, status };
      pair = { requests: this.requests.labels(labels), duration: this.duration.labels(labels), method, statusKey };
      // Past the cap (a route function returning raw URLs, say) lookups go through the metric,
      // whose own series limit folds the excess into one overflow series.
      if (this.boundCount < MAX_BOUND) {
        this.boundCount++;
        series.pairs.push(pair);
      }
    }
    series.last = pair;
    return pair;
  }
}
