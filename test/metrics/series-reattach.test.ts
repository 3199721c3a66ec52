// A bound handle writes to a series evicted from the index (idle, or gauge.remove) while a lookup
// already made a new series of the same label set: the handle's series takes that one's place,
// which is marked evicted; the budget counts the label set once.
import { describe, expect, it } from 'vitest';
import type { Labels } from '../../src/core/labels.js';
import { createMonitor } from '../../src/index.js';
import { SeriesIndex, type SeriesBase, type SeriesBudget } from '../../src/metrics/series-index.js';
import { ManualClock } from '../../src/testing.js';

function index(budget: SeriesBudget, names = ['method', 'route', 'status']): SeriesIndex<SeriesBase> {
  const create = (labels: Labels, key: string): SeriesBase => ({ labels, key, lastTouched: 0, evicted: false });
  return new SeriesIndex<SeriesBase>(names, 100, create, () => {}, false, { maxLabelSetLength: 1_000, maxLabels: 10, budget });
}

describe('SeriesIndex.reattach over a series made again meanwhile', () => {
  it('puts the handle\'s series in its place, marks that one evicted and counts the label set once', () => {
    const budget = { used: 0, max: 10 };
    const idx = index(budget);
    const labels = { method: 'GET', route: '/a', status: '200' };
    const sibling = idx.get({ method: 'GET', route: '/a', status: '500' })!;
    const old = idx.get(labels)!;
    idx.evict(old);
    const made = idx.get(labels)!;
    expect(made).not.toBe(old);
    expect(budget.used).toBe(2);

    idx.reattach(old);
    expect(idx.get(labels)).toBe(old);
    expect(idx.get({ method: 'GET', route: '/a', status: '500' })).toBe(sibling);
    expect(made.evicted).toBe(true);
    expect(idx.size).toBe(2);
    expect(budget.used).toBe(2);

    // The other handle writes: the same the other way round.
    idx.reattach(made);
    expect(idx.get(labels)).toBe(made);
    expect(old.evicted).toBe(true);
    expect(budget.used).toBe(2);
    // Evicting a series already out leaves the live one of its label set.
    idx.evict(old);
    expect(idx.get(labels)).toBe(made);
    expect(budget.used).toBe(2);
    idx.evict(made);
    idx.evict(sibling);
    expect(idx.size).toBe(0);
    expect(budget.used).toBe(0);
  });

  it('does so for the unlabeled series and for free-form label sets', () => {
    const budget = { used: 0, max: 10 };
    const single = index(budget, []);
    const old = single.get(undefined)!;
    single.evict(old);
    const made = single.get(undefined)!;
    single.reattach(old);
    expect(single.get(undefined)).toBe(old);
    expect(made.evicted).toBe(true);

    const create = (labels: Labels, key: string): SeriesBase => ({ labels, key, lastTouched: 0, evicted: false });
    const dynamic = new SeriesIndex<SeriesBase>([], 100, create, () => {}, true, { maxLabelSetLength: 1_000, maxLabels: 10, budget });
    const a = dynamic.getDynamic({ tag: 'x' })!;
    dynamic.evict(a);
    const b = dynamic.getDynamic({ tag: 'x' })!;
    dynamic.reattach(a);
    expect(dynamic.getDynamic({ tag: 'x' })).toBe(a);
    expect(b.evicted).toBe(true);
    expect(single.size + dynamic.size).toBe(2);
    expect(budget.used).toBe(2);
  });
});

describe('a counter handle kept past its series\' idle eviction', () => {
  it('counts its label set once in the total limit after a lookup made the series again', async () => {
    const clock = new ManualClock(Date.parse('2026-12-07T00:00:00Z'));
    const monitor = createMonitor({ clock, limits: { maxTotalSeries: 2, seriesTtl: 60_000 } });
    const c = monitor.counter({ name: 'jobs_total', labelNames: ['queue'] });
    const handle = c.labels({ queue: 'a' });
    handle.inc();
    // Idle past the TTL: the series leaves the index.
    for (let i = 0; i < 10; i++) await clock.advanceAsync(30_000);
    expect(c.seriesCount).toBe(0);
    c.inc(1, { queue: 'a' });
    handle.inc();
    expect(c.seriesCount).toBe(1);
    // One place left in the limit of 2: a new series fits, unfolded.
    const other = monitor.counter({ name: 'other_total', labelNames: ['k'] });
    other.inc(1, { k: 'x' });
    expect(monitor.exportPrometheusMetrics().split('\n').filter((l) => l.startsWith('other_total{'))).toEqual(['other_total{k="x"} 1']);
    await monitor.close();
  });
});
