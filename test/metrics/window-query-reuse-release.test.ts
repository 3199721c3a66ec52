// A window build records, on each of this process's histogram rings, what the series it built
// was made from, so that the next tick can take it again (window-query-reuse.ts). The record
// lives as long as the ring's series (the rule engine's RingCache keeps it), so it must hold
// nothing of the other series: review R3 of c0f8e2f, fixed in c5090bf. Before the fix it held
// the stored series list itself, every instance's stored data of the metric, kept after no rule
// read the metric any more.
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import type { CapabilityContext } from '../../src/capability.js';
import { ManualClock } from '../../src/testing.js';
import { TickCaches } from '../../src/alerts/tick-caches.js';
import type { NormalizedCondition } from '../../src/alerts/rule-schema.js';
import type { StoredSeries } from '../../src/metrics/window-query.js';

const SLOT = 30_000;
const T0 = Date.UTC(2026, 0, 1);
const NAME = 'lat_seconds';
const OTHER = 'other_seconds';

/**
 * Every object reachable from `root` through own properties (enumerable or not, getters not
 * run), array elements and Map and Set entries: what holding `root` keeps alive, apart from
 * closures and weak collections, which hold nothing of what is looked for here.
 */
function reachable(root: object): Set<object> {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (ArrayBuffer.isView(value)) continue;
    if (value instanceof Map) for (const [k, v] of value) stack.push(k, v);
    else if (value instanceof Set) for (const v of value) stack.push(v);
    for (const key of Reflect.ownKeys(value)) {
      const d = Object.getOwnPropertyDescriptor(value, key);
      if (d !== undefined && 'value' in d) stack.push(d.value);
    }
  }
  return seen;
}

const open: Monitor[] = [];
afterEach(async () => {
  for (const m of open.splice(0)) await m.close();
});

function condition(metric: string): NormalizedCondition {
  return { metric, window: 300_000, aggregation: 'p95' } as unknown as NormalizedCondition;
}

describe('what a window build keeps on a ring between ticks', () => {
  it("holds none of the metric's other stored series, also once no rule reads the metric", async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const monitors: Monitor[] = [];
    for (let i = 0; i < 3; i++) {
      const m = createMonitor({ clock, storage, service: 'reuse', instanceId: `m${i}`, logger: false, alerts: { evaluationInterval: '1h', syncInterval: '1h' } });
      monitors.push(m);
      open.push(m);
    }
    const hs = monitors.map((m) => m.histogram({ name: NAME, labelNames: ['route'], unit: 'seconds' }));
    const others = monitors.map((m) => m.histogram({ name: OTHER, labelNames: ['route'], unit: 'seconds' }));
    const ctx = (monitors[0]!.alerts as unknown as { ctx: CapabilityContext }).ctx;
    const caches = new TickCaches(ctx);

    /** One tick of rules reading `metrics` over 5 m: the stored series list each window was merged from, by metric. */
    const tick = async (metrics: readonly string[]): Promise<Map<string, readonly StoredSeries[]>> => {
      // Every instance records and flushes, so no rollup waits (a waiting one turns the reuse off).
      for (let i = 0; i < 3; i++) {
        hs[i]!.labels({ route: `/r${i}` }).observe(0.1 * (i + 1));
        others[i]!.labels({ route: `/r${i}` }).observe(0.2);
      }
      await clock.advanceAsync(SLOT / 2);
      for (const m of monitors) await m.flush();
      const now = clock.now();
      const reader = caches.reader(now, metrics.map(condition));
      const out = new Map<string, readonly StoredSeries[]>();
      for (const name of metrics) {
        const w = await reader.window(name, now - 300_000);
        expect(w.series.length).toBe(3);
        const windows = (reader as unknown as { windows: Map<string, Promise<{ stored: readonly StoredSeries[] }>> }).windows;
        out.set(name, (await windows.get(name)!).stored);
      }
      caches.retain(reader);
      return out;
    };

    // Ticks reading NAME until this process's series has a record (its own rollups stored and kept).
    let read = await tick([NAME, OTHER]);
    for (let k = 1; k < 5; k++) read = await tick([NAME, OTHER]);
    const stored = read.get(NAME)!;
    const rings = (caches as unknown as { rings: { view(series: object): { built: { st: unknown } | undefined } } }).rings;
    const local = localSeries(ctx, NAME);
    const view = rings.view(local);
    const record = view.built;
    expect(record).toBeDefined();
    // The other instances' stored series of the metric (this process's own is the record's `st`).
    const theirs = stored.filter((s) => s !== record!.st);
    expect(theirs.length).toBe(2);
    const check = (when: string) => {
      const held = reachable(view);
      // The walk does reach what the record holds: this process's own stored series.
      expect(held.has(record!.st as object), `${when}: its own stored series`).toBe(true);
      expect(held.has(stored), `${when}: the stored series list`).toBe(false);
      expect(theirs.filter((s) => held.has(s)).length, `${when}: other instances' stored series`).toBe(0);
    };
    check('after a tick reading the metric');

    // No rule reads NAME any more: the rule engine lets go of its stored series, the ring keeps its record.
    for (let k = 0; k < 2; k++) await tick([OTHER]);
    expect(rings.view(local).built).toBe(record);
    check('after ticks that read other metrics only');
  });
});

/** This process's one histogram series of `name` (the RingCache's key), from the metric's series index. */
function localSeries(ctx: CapabilityContext, name: string): object {
  const metric = ctx.metrics.get(name) as unknown as { index: { values(): IterableIterator<object> } };
  const all = [...metric.index.values()];
  expect(all.length).toBe(1);
  return all[0]!;
}
