// A series removed in the open slot after it recorded is kept aside until the slot closes (its
// rollup is still to be written). It keeps its place in the limits until then: else a caller that
// records and removes in a loop grows memory, and the rollups of one slot, without bound.
import { describe, expect, it } from 'vitest';
import type { Labels } from '../../src/core/labels.js';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import { SeriesIndex, type SeriesBase, type SeriesBudget } from '../../src/metrics/series-index.js';
import { ManualClock } from '../../src/testing.js';

const SLOT = 30_000;

function setup(limits: { maxTotalSeries?: number } = {}) {
  const clock = new ManualClock(Date.parse('2026-12-07T00:00:00Z'));
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage, instanceId: 'm2-held', logger: false, limits });
  return { monitor, clock, storage };
}

function index(budget: SeriesBudget, limit: number): SeriesIndex<SeriesBase> {
  const create = (labels: Labels, key: string): SeriesBase => ({ labels, key, lastTouched: 0, evicted: false });
  return new SeriesIndex<SeriesBase>(['id'], limit, create, () => {}, false, { maxLabelSetLength: 1_000, maxLabels: 10, budget });
}

describe('series kept aside for the open slot', () => {
  it('count against the metric limit and the total budget until the slot closes', () => {
    const budget = { used: 0, max: 100 };
    const idx = index(budget, 2);
    const a = idx.get({ id: 'a' })!;
    const b = idx.get({ id: 'b' })!;
    idx.evict(a, true);
    idx.evict(b);
    // b holds no slot: its place is free now; a's is not until the slot closes.
    expect(budget.used).toBe(1);
    const c = idx.get({ id: 'c' })!;
    expect(c.key).toBe('["c"]');
    expect(idx.get({ id: 'd' })!.key).toBe('\u0002overflow');
    expect(idx.overflowed).toBe(1);
    // Its own label set takes it back without a new place.
    expect(idx.get({ id: 'a' })).toBe(a);
    expect(budget.used).toBe(3);
    idx.evict(a, true);
    idx.slotClosed();
    expect(budget.used).toBe(2);
  });

  it('a record-then-remove loop holds at most maxSeries series and writes at most maxSeries + 1 rollups a slot', async () => {
    const { monitor, clock, storage } = setup();
    const c = monitor.counter({ name: 'loop_total', labelNames: ['id'], maxSeries: 10 });
    for (let i = 0; i < 2_000; i++) {
      c.inc({ id: String(i) });
      c.remove({ id: String(i) });
    }
    expect([...c.index.retiredValues()].length).toBe(10);
    // Past the limit the label sets fold into the overflow series, counted and reported.
    expect(c.overflowCount).toBe(1_990);
    expect(c.seriesCount).toBe(1);
    await clock.advanceAsync(SLOT);
    await monitor.flush();
    const rollups = await storage.queryRollups({ name: 'loop_total' });
    expect(rollups.length).toBe(11);
    // Nothing recorded is lost: the overflow series holds what did not fit.
    expect(rollups.reduce((n, r) => n + r.sum, 0)).toBe(2_000);
    // The slot closed: the places of the removed series are free again.
    c.inc({ id: 'late' });
    expect(c.get({ id: 'late' })).toBe(1);
  });

  it('hold their places in the monitor total: other metrics keep theirs', async () => {
    const { monitor, clock } = setup({ maxTotalSeries: 5 });
    const c = monitor.counter({ name: 'churn_total', labelNames: ['id'] });
    for (let i = 0; i < 100; i++) {
      c.inc({ id: String(i) });
      c.remove({ id: String(i) });
    }
    const other = monitor.counter({ name: 'other_total', labelNames: ['k'] });
    other.inc({ k: 'x' });
    // Five places held aside (the overflow series is past the total, as always): other folds too.
    expect(other.overflowCount).toBe(1);
    await clock.advanceAsync(SLOT);
    const later = monitor.counter({ name: 'later_total', labelNames: ['k'] });
    later.inc({ k: 'y' });
    expect(later.overflowCount).toBe(0);
  });
});

describe('a handle to a removed series, written to past the limits', () => {
  it('writes into the overflow series, counted as an overflow, instead of bringing its series back', () => {
    const { monitor } = setup({ maxTotalSeries: 50 });
    const c = monitor.counter({ name: 'handles_total', labelNames: ['id'], maxSeries: 10 });
    const handles = [];
    for (let i = 0; i < 1_000; i++) {
      handles.push(c.labels({ id: String(i) }));
      c.remove({ id: String(i) });
    }
    for (const h of handles) h.inc();
    // Ten handles bring their series back; the other 990 writes fold into the overflow series.
    expect(c.seriesCount).toBe(11);
    expect(c.overflowCount).toBe(990);
    expect(c.get({ id: '0' })).toBe(1);
    const text = monitor.exportPrometheusMetrics();
    expect(text).toContain('handles_total{id="__overflow__"} 990');
    // Other metrics keep their places in the monitor total.
    const other = monitor.counter({ name: 'other_total', labelNames: ['id'] });
    other.inc({ id: 'x' });
    expect(other.overflowCount).toBe(0);
  });

  it('gauge inc and histogram observe through such a handle count one overflow a write', () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'held_g', labelNames: ['id'], maxSeries: 1 });
    const h = monitor.histogram({ name: 'held_seconds', labelNames: ['id'], maxSeries: 1, unit: 'seconds' });
    const gOld = g.labels({ id: 'old' });
    const hOld = h.labels({ id: 'old' });
    g.remove({ id: 'old' });
    h.remove({ id: 'old' });
    g.set(1, { id: 'new' });
    h.observe(1, { id: 'new' });
    gOld.inc(2);
    gOld.dec(1);
    hOld.observe(0.5);
    expect(g.overflowCount).toBe(2);
    expect(h.overflowCount).toBe(1);
    expect(gOld.value).toBe(1);
    const text = monitor.exportPrometheusMetrics();
    expect(text).toContain('held_g{id="__overflow__"} 1');
    expect(text).toContain('held_seconds_count{id="__overflow__"} 1');
    expect(text).not.toContain('id="old"');
  });
});
