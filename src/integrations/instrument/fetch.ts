import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import { SECONDS_BUCKETS } from '../../metrics/options.js';
import type { BoundCounter, Counter } from '../../metrics/counter.js';
import type { BoundHistogram, Histogram } from '../../metrics/histogram.js';
import type { Monitor } from '../../monitor.js';
import { hostOf, methodOf } from './fetch-labels.js';
import { LabelBudget, OTHER_LABEL, Registrations, reportFailure, type Uninstrument } from './shared.js';

/** Names of the metrics {@link timedFetch} and {@link instrumentFetch} record. */
export const FETCH_METRICS = Object.freeze({
  requests: 'http_client_requests_total',
  duration: 'http_client_request_duration_seconds',
});

/** Options of {@link timedFetch} and {@link instrumentFetch}. */
export const fetchMetricsOptionsSchema = z
  .object({
    /** Distinct `host` labels kept (default 50); requests to later hosts are labeled `other`. */
    maxHosts: z.number().int().positive().max(10_000).default(50),
    /** The `status` label: the code (`'200'`, default) or its class (`'2xx'`). */
    statusLabel: z.enum(['code', 'class']).default('code'),
    /** Bucket bounds of `http_client_request_duration_seconds` (default Prometheus' client defaults); one set per monitor. */
    buckets: z.array(z.number().positive().finite()).min(1).optional(),
  })
  .strict();

/** Options accepted by {@link timedFetch} and {@link instrumentFetch}. */
export type FetchMetricsOptions = z.input<typeof fetchMetricsOptionsSchema>;

/** A `fetch` function (the global one, undici's, a test double). */
export type FetchFunction = (input: never, init?: never) => Promise<unknown>;

type Label = 'method' | 'host' | 'status';

const MAX_PREFIXES = 1_000;
const MAX_HANDLES = 5_000;

/**
 * `scheme://authority` of an absolute URL string, up to the path, query or fragment; undefined
 * when the string does not look like one (then the URL parser decides).
 */
function originPrefix(url: string): string | undefined {
  const scheme = url.indexOf('://');
  if (scheme < 1 || scheme > 8) return undefined;
  for (let i = scheme + 3; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 || c === 63 || c === 35 || c === 92) return url.slice(0, i); // / ? # \
  }
  return url;
}
type AnyFetch = (input: unknown, init?: unknown) => Promise<unknown>;

/**
 * Wraps `fetch` so every call records `http_client_requests_total` and
 * `http_client_request_duration_seconds` by `method`, `host` and `status` (the status code, or
 * `error` when fetch rejected, `aborted` when it was aborted or timed out). The duration runs
 * until the response headers arrive (when fetch resolves), not until the body is read. The host
 * label is the URL's host (and port), at most `maxHosts` of them: never the path, the query or
 * credentials. Edge-safe. The returned function is the one to call; `fetch` itself is not changed.
 * @throws {ConfigError} when `fetch` is not a function or an option is invalid.
 * @example const fetch = timedFetch(monitor, globalThis.fetch); await fetch('https://api.stripe.com/v1/charges');
 */
export function timedFetch<F extends FetchFunction>(monitor: Monitor, fetch: F, options: FetchMetricsOptions = {}): F {
  if (typeof fetch !== 'function') throw new ConfigError(`timedFetch: fetch must be a function, got ${fetch === null ? 'null' : typeof fetch}`);
  const o = parseOptions(fetchMetricsOptionsSchema, options, 'timedFetch options');
  return timed(monitor, fetch as unknown as AnyFetch, o, () => true) as unknown as F;
}

function timed(monitor: Monitor, fetch: AnyFetch, o: z.output<typeof fetchMetricsOptionsSchema>, live: () => boolean): AnyFetch {
  const requests: Counter<Label> = monitor.counter({ name: FETCH_METRICS.requests, help: 'Outbound HTTP requests by method, host and status', labelNames: ['method', 'host', 'status'] });
  const duration: Histogram<Label> = monitor.histogram({
    name: FETCH_METRICS.duration,
    help: 'Outbound HTTP requests: time until the response headers, by method, host and status',
    labelNames: ['method', 'host', 'status'],
    unit: 'seconds',
    buckets: [...(o.buckets ?? SECONDS_BUCKETS)],
  });
  const hosts = new LabelBudget(o.maxHosts);
  const clock = monitor.clock;
  const statusOf = (response: unknown): string => {
    const status = (response as { status?: unknown } | null)?.status;
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return OTHER_LABEL;
    return o.statusLabel === 'class' ? `${Math.floor(status / 100)}xx` : String(status);
  };
  const now = (): number => {
    try {
      return clock.monotonic();
    } catch (error) {
      reportFailure(monitor, 'timedFetch', error);
      return Number.NaN;
    }
  };
  // Bound handles by label set, and host labels by URL prefix: after the first call to a host a
  // call parses no URL and builds no label object. Both maps are bounded (hosts by maxHosts,
  // prefixes by MAX_PREFIXES, cleared when full: a prefix is only a cache key, never a label).
  const handles = new Map<string, { requests: BoundCounter; duration: BoundHistogram }>();
  const prefixes = new Map<string, string>();
  const hostLabel = (input: unknown): string => {
    const prefix = typeof input === 'string' ? originPrefix(input) : undefined;
    const cached = prefix === undefined ? undefined : prefixes.get(prefix);
    if (cached !== undefined) return cached;
    const label = hosts.admit(hostOf(input));
    if (prefix !== undefined) {
      if (prefixes.size >= MAX_PREFIXES) prefixes.clear();
      prefixes.set(prefix, label);
    }
    return label;
  };
  const record = (method: string, host: string, status: string, start: number): void => {
    if (Number.isNaN(start)) return;
    try {
      const key = `${method} ${host} ${status}`;
      let h = handles.get(key);
      if (h === undefined) {
        const labels = { method, host, status };
        h = { requests: requests.labels(labels), duration: duration.labels(labels) };
        // Bounded anyway (methods x maxHosts x statuses); past this it looks the labels up each time.
        if (handles.size < MAX_HANDLES) handles.set(key, h);
      }
      h.requests.inc();
      h.duration.observe((clock.monotonic() - start) / 1000);
    } catch (error) {
      reportFailure(monitor, 'timedFetch', error);
    }
  };
  return function timedFetch(input: unknown, init?: unknown): Promise<unknown> {
    if (!live()) return fetch(input, init);
    let method = 'GET';
    let host = OTHER_LABEL;
    try {
      method = methodOf(input, init);
      host = hostLabel(input);
    } catch (error) {
      reportFailure(monitor, 'timedFetch', error);
    }
    const start = now();
    let pending: Promise<unknown>;
    try {
      pending = fetch(input, init);
    } catch (error) {
      record(method, host, 'error', start);
      throw error;
    }
    // Chained, not observed: the caller gets a promise that settles as fetch's did, so a
    // rejection it never handles is still reported as unhandled.
    return Promise.resolve(pending).then(
      (response) => (record(method, host, statusOf(response), start), response),
      (error: unknown) => {
        const name = (error as { name?: unknown } | null)?.name;
        record(method, host, name === 'AbortError' || name === 'TimeoutError' ? 'aborted' : 'error', start);
        throw error;
      },
    );
  };
}

const registrations = new Registrations();

/**
 * Replaces `globalThis.fetch` with a {@link timedFetch} of it, for code that calls the global
 * (SDKs included). Calling it again for the same monitor returns the first call's remover;
 * closing the monitor removes it. The remover puts the previous `fetch` back, or, when
 * something replaced `fetch` after us, leaves ours in place passing calls straight through.
 * @returns a function that takes the instrumentation out again.
 * @throws {ConfigError} when there is no global fetch or an option is invalid.
 */
export function instrumentFetch(monitor: Monitor, options: FetchMetricsOptions = {}): Uninstrument {
  const existing = registrations.get(globalThis, monitor);
  if (existing !== undefined) return existing;
  const original = globalThis.fetch as unknown as AnyFetch | undefined;
  if (typeof original !== 'function') throw new ConfigError('instrumentFetch: this runtime has no global fetch');
  const o = parseOptions(fetchMetricsOptionsSchema, options, 'instrumentFetch options');
  let on = true;
  const wrapper = timed(monitor, original, o, () => on);
  const host = globalThis as unknown as { fetch: AnyFetch };
  host.fetch = wrapper;
  return registrations.add(globalThis, monitor, () => {
    on = false;
    if (host.fetch === wrapper) host.fetch = original;
  });
}
