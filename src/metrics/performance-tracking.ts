import { parseOptions } from '../core/options.js';
import { isPromiseLike, noop } from '../core/promise.js';
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import type { Histogram } from './histogram.js';
import type { MetricRegistry } from './registry.js';

/** Options of `withPerformanceTracking` (seed 002's middleware). */
export const performanceTrackingOptionsSchema = z.object({
  /** Operation name; durations go to the histogram `<name>_duration_seconds`. */
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'must be a valid metric name prefix ([a-zA-Z_:][a-zA-Z0-9_:]*)'),
  service: z.string().optional(),
  operation: z.string().optional(),
  /** Further fixed labels, e.g. `{ organizationId: 'org-123' }`. */
  labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  help: z.string().optional(),
});

/** Options as callers pass them. */
export type PerformanceTrackingOptions = z.input<typeof performanceTrackingOptionsSchema>;

type AnyFunction = (this: never, ...args: never[]) => unknown;

/**
 * Wraps `fn` so each call records its duration with `outcome="success"` or `"failure"` (a throw or a
 * rejection). Sync and
 * async functions both work; `this`, arguments, the return value and thrown errors pass through
 * untouched.
 */
export function trackPerformance<F extends AnyFunction>(registry: MetricRegistry, fn: F, input: PerformanceTrackingOptions, now: () => number): F {
  if (typeof fn !== 'function') throw new ConfigError('withPerformanceTracking: the first argument must be a function');
  const o = parseOptions(performanceTrackingOptionsSchema, input, 'withPerformanceTracking');
  const fixed: Record<string, string> = {};
  if (o.service !== undefined) fixed['service'] = o.service;
  if (o.operation !== undefined) fixed['operation'] = o.operation;
  for (const [k, v] of Object.entries(o.labels ?? {})) fixed[k] = String(v);
  const histogram: Histogram = registry.histogram({
    name: `${o.name}_duration_seconds`,
    help: o.help ?? `Duration of ${o.name} calls by outcome`,
    labelNames: [...Object.keys(fixed).sort(), 'outcome'],
    unit: 'seconds',
  });
  const ok = histogram.labels({ ...fixed, outcome: 'success' });
  const failed = histogram.labels({ ...fixed, outcome: 'failure' });

  const wrapped = function (this: ThisParameterType<F>, ...args: Parameters<F>): unknown {
    const start = now();
    let result: unknown;
    try {
      result = (fn as unknown as (...a: unknown[]) => unknown).apply(this, args);
    } catch (error) {
      failed.observe((now() - start) / 1000);
      throw error;
    }
    if (result instanceof Promise) {
      // A native promise is returned as is (same object, subclass and extra properties such as
      // `cancel()` intact); the duration is recorded by a side branch that never rejects, and
      // before any handler the caller attaches afterwards runs.
      result.then(
        () => ok.observe((now() - start) / 1000),
        () => failed.observe((now() - start) / 1000),
      ).then(undefined, noop);
      return result;
    }
    if (isPromiseLike(result)) {
      // Other thenables may be lazy (query builders run on `then`): call `then` once and return its promise.
      return result.then(
        (value) => {
          ok.observe((now() - start) / 1000);
          return value;
        },
        (error: unknown) => {
          failed.observe((now() - start) / 1000);
          throw error;
        },
      );
    }
    ok.observe((now() - start) / 1000);
    return result;
  };
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  return wrapped as unknown as F;
}
