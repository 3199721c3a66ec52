// counter.remove(labels) and histogram.remove(labels), as gauge.remove: the series leaves memory
// and the exposition and gives its place in the limits back; what it recorded in the current slot
// is still written (once, with whatever its labels record again in that slot); nothing is lost.
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

const SLOT = 30_000;

function setup(limits: { maxSeriesPerMetric?: number; maxTotalSeries?: number } = {}) {
  const clock = new ManualClock(Date.parse('2026-12-07T00:00:00Z'));
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage, instanceId: 'm-remove', logger: false, limits });
  return { monitor, clock, storage };
}

const lines = (text: string, prefix: string): string[] => text.split('\n').filter((l) => l.startsWith(prefix));
const summary = (rollups: readonly Rollup[]) => rollups.map((r) => [r.labels, r.count, r.sum]);

describe('counter.remove(labels)', () => {
  it('takes the series out of /metrics and the limits (once its slot is written); the others stay', async () => {
    const { monitor, clock } = setup({ maxSeriesPerMetric: 2 });
    const c = monitor.counter({ name: 'tenant_queries_total', labelNames: ['tenant'] });
    c.inc(3, { tenant: 'acme' });
    c.inc(1, { tenant: 'zeta' });
    expect(c.remove({ tenant: 'acme' })).toBe(true);
    expect(c.seriesCount).toBe(1);
    // What it counted in this slot is still to be written: it holds its place until the slot closes.
    await clock.advanceAsync(SLOT);
    // Its place is free again: a new label set is not folded into the overflow series.
    c.inc(2, { tenant: 'new' });
    expect(lines(monitor.exportPrometheusMetrics(), 'tenant_queries_total{')).toEqual(['tenant_queries_total{tenant="zeta"} 1', 'tenant_queries_total{tenant="new"} 2']);
    expect(c.overflowCount).toBe(0);
  });

  it('answers false and changes nothing for unknown labels, the overflow marker, the overflow series or a non-object', () => {
    const { monitor } = setup({ maxSeriesPerMetric: 1 });
    const c = monitor.counter({ name: 'jobs_total', labelNames: ['queue'] });
    c.inc(1, { queue: 'a' });
    c.inc(1, { queue: 'b' }); // past the limit: the overflow series
    expect(c.remove({ queue: 'c' })).toBe(false);
    expect(c.remove({ queue: '__overflow__' })).toBe(false);
    expect(c.remove(null as never)).toBe(false);
    expect(c.remove('queue' as never)).toBe(false);
    expect(c.seriesCount).toBe(2);
    expect(c.remove({ queue: 'a' })).toBe(true);
    expect(c.remove({ queue: 'a' })).toBe(false);
  });

  it('writes what was counted in the slot it was removed in, then nothing more', async () => {
    const { monitor, clock, storage } = setup();
    const c = monitor.counter({ name: 'orders_total', labelNames: ['shop'] });
    c.inc(2, { shop: 'a' });
    c.inc(5, { shop: 'a' });
    c.inc(1, { shop: 'b' });
    c.remove({ shop: 'a' });
    await clock.advanceAsync(SLOT);
    c.inc(1, { shop: 'b' });
    await monitor.flush();
    const a = await storage.queryRollups({ name: 'orders_total', labels: { shop: 'a' } });
    expect(a.map((r) => [r.count, r.sum, r.min, r.max, r.last])).toEqual([[2, 7, 2, 5, 7]]);
    expect((await storage.queryRollups({ name: 'orders_total', labels: { shop: 'b' } })).length).toBe(2);
    await monitor.close();
  });

  it('counted again in that slot, through a lookup and an old handle: one rollup holds everything, the total restarts', async () => {
    const { monitor, clock, storage } = setup();
    const c = monitor.counter({ name: 'orders_total', labelNames: ['shop'] });
    const handle = c.labels({ shop: 'a' });
    handle.inc(10);
    c.remove({ shop: 'a' });
    c.inc(1, { shop: 'a' });
    handle.inc(2);
    expect(c.get({ shop: 'a' })).toBe(3);
    expect(lines(monitor.exportPrometheusMetrics(), 'orders_total{')).toEqual(['orders_total{shop="a"} 3']);
    await clock.advanceAsync(SLOT);
    await monitor.flush();
    const rollups = await storage.queryRollups({ name: 'orders_total' });
    expect(rollups.map((r) => [r.count, r.sum, r.last])).toEqual([[3, 13, 3]]);
    await monitor.close();
  });

  it('an old handle after the slot closed starts the series again at 0, counted once in the total limit', async () => {
    const { monitor, clock } = setup({ maxTotalSeries: 2 });
    const c = monitor.counter({ name: 'orders_total', labelNames: ['shop'] });
    const handle = c.labels({ shop: 'a' });
    for (let i = 0; i < 20; i++) {
      handle.inc(4);
      c.remove({ shop: 'a' });
      if (i % 2 === 0) await clock.advanceAsync(SLOT);
      handle.inc();
      c.inc(1, { shop: 'a' });
    }
    expect(c.get({ shop: 'a' })).toBe(2);
    expect(c.seriesCount).toBe(1);
    // One place left in the limit of 2: a new series fits, unfolded.
    const other = monitor.counter({ name: 'other_total', labelNames: ['k'] });
    other.inc(1, { k: 'x' });
    expect(other.overflowCount).toBe(0);
    await monitor.close();
  });

  it('removes the unlabeled series: exposed at 0 again', () => {
    const { monitor } = setup();
    const c = monitor.counter({ name: 'bytes_total' });
    c.inc(10);
    expect(c.remove()).toBe(true);
    expect(lines(monitor.exportPrometheusMetrics(), 'bytes_total ')).toEqual(['bytes_total 0']);
    c.inc(1);
    expect(c.get()).toBe(1);
  });
});

describe('histogram.remove(labels)', () => {
  it('takes the series out of /metrics; made again, its exposed counts start from 0', async () => {
    const { monitor, clock } = setup();
    const h = monitor.histogram({ name: 'tenant_query_seconds', unit: 'seconds', labelNames: ['tenant'], buckets: [0.1, 1] });
    h.observe(0.05, { tenant: 'acme' });
    h.observe(0.5, { tenant: 'zeta' });
    await clock.advanceAsync(SLOT);
    h.observe(0.5, { tenant: 'acme' });
    expect(h.remove({ tenant: 'acme' })).toBe(true);
    expect(lines(monitor.exportPrometheusMetrics(), 'tenant_query_seconds_count{')).toEqual(['tenant_query_seconds_count{tenant="zeta"} 1']);
    await clock.advanceAsync(SLOT);
    h.observe(2, { tenant: 'acme' });
    expect(lines(monitor.exportPrometheusMetrics(), 'tenant_query_seconds_count{tenant="acme"}')).toEqual(['tenant_query_seconds_count{tenant="acme"} 1']);
    await monitor.close();
  });

  it('made again within the slot it was removed in: exposes only what came after, in that slot and after it closes', async () => {
    const { monitor, clock, storage } = setup();
    const h = monitor.histogram({ name: 'again_seconds', unit: 'seconds', labelNames: ['route'], buckets: [0.1, 1] });
    const c = monitor.counter({ name: 'again_total', labelNames: ['route'] });
    const g = monitor.gauge({ name: 'again_g', labelNames: ['route'] });
    h.observe(0.5, { route: '/b' });
    await clock.advanceAsync(SLOT);
    // 200 values: past the exact buffer, the slot holds bucket counts.
    for (const route of ['/a', '/b']) for (let i = 0; i < 200; i++) h.observe(0.05, { route });
    c.inc(5, { route: '/a' });
    g.set(7, { route: '/a' });
    for (const route of ['/a', '/b']) h.remove({ route });
    c.remove({ route: '/a' });
    g.remove({ route: '/a' });
    h.observe(0.5, { route: '/a' });
    h.observe(2, { route: '/b' });
    c.inc(1, { route: '/a' });
    g.inc(1, { route: '/a' });
    const shown = () => lines(monitor.exportPrometheusMetrics(), 'again_').filter((l) => !l.includes('_created'));
    const after = [
      'again_seconds_bucket{route="/a",le="0.1"} 0',
      'again_seconds_bucket{route="/a",le="1.0"} 1',
      'again_seconds_bucket{route="/a",le="+Inf"} 1',
      'again_seconds_sum{route="/a"} 0.5',
      'again_seconds_count{route="/a"} 1',
      'again_seconds_bucket{route="/b",le="0.1"} 0',
      'again_seconds_bucket{route="/b",le="1.0"} 0',
      'again_seconds_bucket{route="/b",le="+Inf"} 1',
      'again_seconds_sum{route="/b"} 2',
      'again_seconds_count{route="/b"} 1',
      'again_total{route="/a"} 1',
      'again_g{route="/a"} 1',
    ];
    expect(shown()).toEqual(after);
    await clock.advanceAsync(SLOT);
    expect(shown()).toEqual(after);
    // Nothing recorded is lost from the store: the slot's rollup holds everything recorded in it.
    await monitor.flush();
    const rollups = await storage.queryRollups({ name: 'again_seconds' });
    expect(rollups.map((r) => [r.labels['route'], r.count]).sort()).toEqual([['/a', 201], ['/b', 1], ['/b', 201]]);
    await monitor.close();
  });

  it('keeps every observation: the removed slot is written, then read by windows with the rest', async () => {
    const { monitor, clock, storage } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds', labelNames: ['route'] });
    const handle = h.labels({ route: '/a' });
    for (let i = 1; i <= 10; i++) handle.observe(i);
    await clock.advanceAsync(SLOT);
    h.observe(100, { route: '/a' });
    h.remove({ route: '/a' });
    // The same slot: a lookup and the old handle record into the removed series again.
    h.observe(200, { route: '/a' });
    handle.observe(300);
    expect(h.seriesCount).toBe(1);
    h.remove({ route: '/a' });
    await clock.advanceAsync(SLOT);
    await monitor.flush();
    const rollups = await storage.queryRollups({ name: 'latency_milliseconds' });
    expect(summary(rollups)).toEqual([
      [{ route: '/a' }, 10, 55],
      [{ route: '/a' }, 3, 600],
    ]);
    const read = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '5m' });
    expect(read.count).toBe(13);
    expect(read.sum).toBeCloseTo(655, 6);
    expect(read.max).toBeGreaterThan(299);
    await monitor.close();
  });

  it('answers false for labels of no series', () => {
    const { monitor } = setup();
    const h = monitor.histogram({ name: 'size_bytes', labelNames: ['kind'] });
    expect(h.remove({ kind: 'none' })).toBe(false);
    expect(h.remove()).toBe(false);
  });
});
