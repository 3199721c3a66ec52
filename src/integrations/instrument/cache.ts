import { z } from 'zod';
import { ValidationError } from '../../core/errors.js';
import { positiveDurationSchema } from '../../core/duration.js';
import { parseOptions } from '../../core/options.js';
import type { BoundCounter } from '../../metrics/counter.js';
import type { Gauge } from '../../metrics/gauge.js';
import type { Monitor } from '../../monitor.js';
import { HitWindow } from './hit-window.js';
import { reportFailure, targetName } from './shared.js';

/** Names of the metrics {@link cacheMetrics} records (seed 001's `cache_hits_total` and `cache_misses_total`). */
export const CACHE_METRICS = Object.freeze({
  hits: 'cache_hits_total',
  misses: 'cache_misses_total',
  ratio: 'cache_hit_ratio',
});

/** Options of {@link cacheMetrics}. */
export const cacheMetricsOptionsSchema = z
  .object({
    /** The window `cache_hit_ratio` and `hitRatio()` cover (default `'5m'`; seed 001 alerts below 70% for 10 minutes). */
    window: positiveDurationSchema.default(300_000),
  })
  .strict();

/** Options accepted by {@link cacheMetrics}. */
export type CacheMetricsOptions = z.input<typeof cacheMetricsOptionsSchema>;

/** What {@link cacheMetrics} returns: tell it about each lookup. */
export interface CacheMetrics {
  /** The `cache` label. */
  readonly name: string;
  /** Counts `count` hits (default 1). */
  hit(count?: number): void;
  /** Counts `count` misses (default 1). */
  miss(count?: number): void;
  /** Hits over lookups in the window, 0 to 1; undefined when there was no lookup in it. */
  hitRatio(): number | undefined;
  /** Stops counting: later calls record nothing, and this cache's `cache_hit_ratio` series is removed (its counters keep their totals). */
  dispose(): void;
}

/** Caches per monitor, by name: one set of metrics, and one `collect` for every cache's ratio. */
interface MonitorCaches {
  readonly byName: Map<string, CacheMetrics & { readonly window: HitWindow }>;
  readonly ratio: Gauge<'cache'>;
}

const byMonitor = new WeakMap<Monitor, MonitorCaches>();

function cachesOf(monitor: Monitor): MonitorCaches {
  let caches = byMonitor.get(monitor);
  if (caches === undefined) {
    const byName: MonitorCaches['byName'] = new Map();
    const ratio: Gauge<'cache'> = monitor.gauge({
      name: CACHE_METRICS.ratio,
      help: 'Cache hits over lookups in the last window (default 5 minutes), 0 to 1; kept at its last value while there is no lookup',
      labelNames: ['cache'] as const,
      collect: () => {
        for (const cache of byName.values()) {
          const value = cache.hitRatio();
          if (value !== undefined) ratio.set(value, { cache: cache.name });
        }
      },
    });
    caches = { byName, ratio };
    byMonitor.set(monitor, caches);
  }
  return caches;
}

/**
 * Counts the hits and misses of one cache of the app: `cache_hits_total{cache}`,
 * `cache_misses_total{cache}` and the gauge `cache_hit_ratio{cache}` (hits over lookups in the
 * last `window`, for alert rules; in PromQL prefer the ratio of the counters' rates). Asking
 * again for a name on one monitor returns the same object. Edge-safe (no Node API). Never throws
 * once created: a count that is not a non-negative integer is dropped and reported on `error`.
 * @throws {ConfigError} when `name` or an option is invalid.
 * @example const users = cacheMetrics(monitor, 'users'); (await cache.get(id)) ? users.hit() : users.miss();
 */
export function cacheMetrics(monitor: Monitor, name: string, options: CacheMetricsOptions = {}): CacheMetrics {
  const label = parseOptions(z.object({ name: targetName }), { name }, 'cacheMetrics').name;
  const caches = cachesOf(monitor);
  const existing = caches.byName.get(label);
  if (existing !== undefined) return existing;
  const o = parseOptions(cacheMetricsOptionsSchema, options, 'cacheMetrics options');
  const labels = { cache: label };
  const hits: BoundCounter = monitor.counter({ name: CACHE_METRICS.hits, help: 'Cache lookups that found the entry, by cache', labelNames: ['cache'] }).labels(labels);
  const misses: BoundCounter = monitor.counter({ name: CACHE_METRICS.misses, help: 'Cache lookups that did not find the entry, by cache', labelNames: ['cache'] }).labels(labels);
  const window = new HitWindow(o.window, 10);
  const clock = monitor.clock;
  let live = true;
  const count = (what: 'hit' | 'miss', n: unknown): void => {
    if (!live) return;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      reportFailure(monitor, `cacheMetrics("${label}")`, new ValidationError(`cacheMetrics("${label}").${what}: the count must be a non-negative integer, got a ${typeof n}`));
      return;
    }
    try {
      (what === 'hit' ? hits : misses).inc(n);
      window.add(clock.monotonic(), what === 'hit' ? n : 0, what === 'miss' ? n : 0);
    } catch (error) {
      reportFailure(monitor, `cacheMetrics("${label}")`, error);
    }
  };
  const cache = {
    name: label,
    window,
    hit: (n: number = 1) => count('hit', n),
    miss: (n: number = 1) => count('miss', n),
    hitRatio: (): number | undefined => {
      try {
        return window.ratio(clock.monotonic());
      } catch (error) {
        reportFailure(monitor, `cacheMetrics("${label}")`, error);
        return undefined;
      }
    },
    dispose: () => {
      live = false;
      if (caches.byName.get(label) !== cache) return;
      caches.byName.delete(label);
      // A ratio nobody updates would read as current; the totals stay, as counters do.
      caches.ratio.remove(labels);
    },
  };
  caches.byName.set(label, cache);
  return cache;
}
