import { z } from 'zod';
import type { Monitor } from '../monitor.js';
import type { BoundCounter } from '../metrics/counter.js';
import type { BoundHistogram } from '../metrics/histogram.js';
import type { Gauge } from '../metrics/gauge.js';
import type { Counter } from '../metrics/counter.js';
import type { Histogram } from '../metrics/histogram.js';

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

/** Bound handles kept per label set; past this the lookup goes through the metric each time. */
const MAX_BOUND = 1_000;

const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * Records `http_requests_total`, `http_request_duration_seconds` (by method, route template and
 * status) and `http_requests_in_flight` for one monitor. Bound handles are cached per label set
 * so a request costs two map-free observes after the first of its kind.
 * @internal Shared by the Express middleware, the Next.js wrapper and node:http's httpMetrics.
 */
export class RequestMetrics {
  private readonly requests: Counter<RequestLabel>;
  private readonly duration: Histogram<RequestLabel>;
  private readonly inFlight: Gauge | undefined;
  private readonly bound = new Map<string, BoundPair>();
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
    this.inFlight = options.inFlight ? monitor.gauge({ name: HTTP_METRICS.inFlight, help: 'HTTP requests being served' }) : undefined;
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
    const statusLabel = this.statusClass ? (STATUS_CLASSES[Math.floor(status / 100)] ?? 'other') : String(status);
    const key = `${method} ${statusLabel} ${route}`;
    let pair = this.bound.get(key);
    if (pair === undefined) {
      const labels = { method, route, status: statusLabel };
      pair = { requests: this.requests.labels(labels), duration: this.duration.labels(labels) };
      if (this.bound.size < MAX_BOUND) this.bound.set(key, pair);
    }
    pair.requests.inc();
    pair.duration.observe(seconds);
  }
}
