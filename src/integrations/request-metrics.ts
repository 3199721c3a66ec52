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
  requests: BoundCounter;
  duration: BoundHistogram;
}

/** route -> method -> status key (the code, or its class digit) -> handles. */
type BoundTree = Map<string, Map<string, Map<number, BoundPair>>>;

/**
 * The route label function of an integration: the user's `route(req)` when it returns a string,
 * else `fallback(req)` (also when `route` throws: the request still counts). Built once.
 */
export function routeLabel<Req>(custom: ((req: Req) => string | undefined) | undefined, fallback: (req: Req) => string): (req: Req) => string {
  if (custom === undefined) return fallback;
  return (req) => {
    try {
      const route = custom(req);
      if (typeof route === 'string') return route;
    } catch {
      // Falls back to the default label; the request still counts.
    }
    return fallback(req);
  };
}

/** Bound handles kept per label set; past this the lookup goes through the metric each time. */
const MAX_BOUND = 1_000;

const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * Records `http_requests_total`, `http_request_duration_seconds` (by method, route template and
 * status) and `http_requests_in_flight` for one monitor. Bound handles are cached per label set
 * in a tree keyed by the strings the caller already holds (route, method) and the status number,
 * so after the first request of a kind a request builds no label object and no key string.
 * @internal Shared by the Express middleware, the Next.js wrapper and node:http's httpMetrics
 * (those two through node-requests.ts's tracker).
 */
export class RequestMetrics {
  private readonly requests: Counter<RequestLabel>;
  private readonly duration: Histogram<RequestLabel>;
  private readonly inFlight: BoundGauge | undefined;
  private readonly bound: BoundTree = new Map();
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
    const seconds = (this.clock.monotonic() - start) / 1000;
    this.inFlight?.dec();
    const pair = this.pairOf(method, route, this.statusClass ? Math.floor(status / 100) : status);
    pair.requests.inc();
    pair.duration.observe(seconds);
  }

  private pairOf(method: string, route: string, statusKey: number): BoundPair {
    const byMethod = this.bound.get(route);
    const byStatus = byMethod?.get(method);
    const cached = byStatus?.get(statusKey);
    if (cached !== undefined) return cached;
    const status = this.statusClass ? (STATUS_CLASSES[statusKey] ?? 'other') : String(statusKey);
    const labels = { method, route, status };
    const pair = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
    // Past the cap (a route function returning raw URLs, say) lookups go through the metric,
    // whose own series limit folds the excess into one overflow series.
    if (this.boundCount >= MAX_BOUND) return pair;
    this.boundCount++;
    if (byStatus !== undefined) byStatus.set(statusKey, pair);
    else if (byMethod !== undefined) byMethod.set(method, new Map([[statusKey, pair]]));
    else this.bound.set(route, new Map([[method, new Map([[statusKey, pair]])]]));
    return pair;
  }
}
