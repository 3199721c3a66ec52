import type { NormalizedCondition } from '../../src/alerts/rule-schema.js';
import type { TickCaches } from '../../src/alerts/tick-caches.js';
import type { Monitor } from '../../src/index.js';

/** What the three readers of a window give for one histogram over the last `window` ms. */
export interface WindowReads {
  aggregated: { count: number; sum: number; min: number; max: number };
  /** The snapshot's count, and its sum as count x mean. */
  snapshot: { count: number; sum: number };
  rules: { count: number; sum: number };
}

/**
 * Reads histogram `name` over the last `window` ms through `getAggregatedMetrics`, `snapshot()`
 * and the rule engine's tick caches (a `count` rule's window), as of `now`.
 */
export async function readWindows(monitor: Monitor, caches: TickCaches, name: string, window: number, now: number): Promise<WindowReads> {
  const a = await monitor.getAggregatedMetrics({ name, window });
  const performance = (await monitor.snapshot()).performance.snapshot.find((s) => s.name === name);
  const condition = { metric: name, window, aggregation: 'count' } as unknown as NormalizedCondition;
  const reader = caches.reader(now, [condition]);
  const w = await reader.window(name, now - window);
  const rules = w.stats(w.series, now - window, now, true);
  caches.retain(reader);
  const count = performance?.count ?? 0;
  return {
    aggregated: { count: a.count, sum: a.sum, min: a.min, max: a.max },
    snapshot: { count, sum: count * (performance?.mean ?? 0) },
    rules: { count: rules.count, sum: rules.sum },
  };
}
