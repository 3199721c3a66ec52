// gauge.remove(labels): the series leaves the exposition, the snapshot and the next rollups, and
// gives its place in the limits back (once the slot it was set in is written); nothing else changes.
import { describe, expect, it, vi } from 'vitest';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

function setup(maxSeries?: number, maxTotalSeries?: number) {
  const clock = new ManualClock(Date.parse('2026-12-07T00:00:00Z'));
  const storage = new MemoryStorage({ now: () => clock.now() });
  const limits = { ...(maxSeries === undefined ? {} : { maxSeriesPerMetric: maxSeries }), ...(maxTotalSeries === undefined ? {} : { maxTotalSeries }) };
  const monitor = createMonitor({ clock, storage, limits });
  return { monitor, clock, storage };
}

const lines = (text: string, name: string): string[] => text.split('\n').filter((l) => l.startsWith(name));

describe('gauge.remove(labels)', () => {
  it('removes that series from the exposition and leaves the others', () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'pool_in_use', labelNames: ['pool', 'state'] });
    g.set(3, { pool: 'primary', state: 'in_use' });
    g.set(1, { pool: 'primary', state: 'idle' });
    g.set(2, { pool: 'replica', state: 'in_use' });
    expect(g.remove({ state: 'in_use', pool: 'primary' })).toBe(true);
    expect(lines(monitor.exportPrometheusMetrics(), 'pool_in_use{')).toEqual(['pool_in_use{pool="primary",state="idle"} 1', 'pool_in_use{pool="replica",state="in_use"} 2']);
    expect(g.seriesCount).toBe(2);
  });

  it('finds the series by a lookup of its labels, not a scan of every series', () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'tenant_conns', labelNames: ['tenant', 'pool'] });
    for (let i = 0; i < 500; i++) g.set(i, { tenant: `t${i}`, pool: i % 2 === 0 ? 'a' : 'b' });
    const scan = vi.spyOn(g.index, 'values');
    expect(g.remove({ tenant: 't7', pool: 'b' })).toBe(true);
    expect(g.remove({ tenant: 't8', pool: 'b' })).toBe(false);
    expect(scan).not.toHaveBeenCalled();
    expect(g.seriesCount).toBe(499);
  });

  it('reads labels as a set does: numbers and booleans as strings, a left-out label as empty', () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'workers', labelNames: ['shard', 'hot', 'zone'] });
    g.set(5, { shard: 7, hot: true });
    expect(g.remove({ shard: '7', hot: 'true', zone: '' })).toBe(true);
    expect(g.seriesCount).toBe(0);
  });

  it('answers false and changes nothing for labels of no series, the overflow marker or a non-object', () => {
    const { monitor } = setup(1);
    const g = monitor.gauge({ name: 'depth', labelNames: ['queue'] });
    g.set(4, { queue: 'a' });
    g.set(9, { queue: 'b' }); // past the limit of 1: the overflow series
    expect(g.remove({ queue: 'c' })).toBe(false);
    expect(g.remove({ queue: '__overflow__' })).toBe(false);
    expect(g.remove(null as never)).toBe(false);
    expect(g.remove([] as never)).toBe(false);
    expect(lines(monitor.exportPrometheusMetrics(), 'depth{')).toEqual(['depth{queue="a"} 4', 'depth{queue="__overflow__"} 9']);
  });

  it('gives the series its place back once the slot it was set in closes: a new label set fits the limit again', async () => {
    const { monitor, clock } = setup(1);
    const g = monitor.gauge({ name: 'depth', labelNames: ['queue'] });
    g.set(4, { queue: 'a' });
    g.remove({ queue: 'a' });
    // What was set in this slot is still to be written: the series holds its place until then.
    await clock.advanceAsync(30_000);
    g.set(6, { queue: 'b' });
    expect(lines(monitor.exportPrometheusMetrics(), 'depth{')).toEqual(['depth{queue="b"} 6']);
    expect(g.overflowCount).toBe(0);
  });

  it('a later set starts the series afresh, and so does a bound handle that writes again', () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'conns', labelNames: ['pool'] });
    const bound = g.labels({ pool: 'a' });
    bound.set(5);
    g.set(8, { pool: 'b' });
    g.remove({ pool: 'a' });
    g.remove({ pool: 'b' });
    bound.inc();
    g.inc(1, { pool: 'b' });
    expect(g.get({ pool: 'a' })).toBe(1);
    expect(g.get({ pool: 'b' })).toBe(1);
  });

  it('a handle bound before the removal writes to the series a later set made: one series, its value', () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'pool_conn', labelNames: ['pool'] });
    const handle = g.labels({ pool: 'a' });
    handle.set(1);
    g.remove({ pool: 'a' });
    g.set(5, { pool: 'a' });
    handle.inc(2);
    expect(g.get({ pool: 'a' })).toBe(7);
    handle.set(10);
    g.dec(1, { pool: 'a' });
    handle.dec();
    expect(lines(monitor.exportPrometheusMetrics(), 'pool_conn{')).toEqual(['pool_conn{pool="a"} 8']);
    expect(g.seriesCount).toBe(1);
  });

  it('remove, set and a write through an old handle, again and again, count one series in the total limit', () => {
    const { monitor } = setup(undefined, 3);
    const g = monitor.gauge({ name: 'pool_conn', labelNames: ['pool'] });
    const handle = g.labels({ pool: 'a' });
    for (let i = 0; i < 50; i++) {
      handle.set(i);
      g.remove({ pool: 'a' });
      g.set(i, { pool: 'a' });
      handle.set(i);
    }
    // The total limit of 3 holds pool a and two more: none is folded into an overflow series.
    const other = monitor.gauge({ name: 'other_g', labelNames: ['k'] });
    other.set(1, { k: 'x' });
    other.set(2, { k: 'y' });
    expect(lines(monitor.exportPrometheusMetrics(), 'other_g{')).toEqual(['other_g{k="x"} 1', 'other_g{k="y"} 2']);
    expect(lines(monitor.exportPrometheusMetrics(), 'pool_conn{')).toEqual(['pool_conn{pool="a"} 49']);
  });

  it('removes the unlabeled series (the exposition shows the gauge at 0 again)', () => {
    const { monitor } = setup();
    const g = monitor.gauge({ name: 'temperature' });
    g.set(21);
    expect(g.remove()).toBe(true);
    expect(lines(monitor.exportPrometheusMetrics(), 'temperature ')).toEqual(['temperature 0']);
  });

  it('writes what was set in the slot it was removed in, then no more rollups', async () => {
    const { monitor, clock, storage } = setup();
    const g = monitor.gauge({ name: 'conns', labelNames: ['pool'] });
    g.set(2, { pool: 'a' });
    g.set(4, { pool: 'a' });
    g.set(3, { pool: 'b' });
    g.remove({ pool: 'a' });
    await clock.advanceAsync(monitor.options.histogram.slotLength);
    await clock.advanceAsync(monitor.options.histogram.slotLength);
    await monitor.flush();
    const rollups = await storage.queryRollups({ name: 'conns', from: 0, to: clock.now() + 1 });
    const a = rollups.filter((r) => r.labels.pool === 'a');
    expect(a.map((r) => [r.count, r.sum, r.min, r.max, r.last])).toEqual([[2, 6, 2, 4, 4]]);
    expect(rollups.filter((r) => r.labels.pool === 'b').length).toBe(3);
    await monitor.close();
  });

  it('set again in the slot it was removed in: one rollup holds both, the value starts at 0', async () => {
    const { monitor, clock, storage } = setup();
    const g = monitor.gauge({ name: 'conns', labelNames: ['pool'] });
    const handle = g.labels({ pool: 'a' });
    handle.set(7);
    g.remove({ pool: 'a' });
    g.inc(1, { pool: 'a' });
    handle.inc(2);
    expect(g.get({ pool: 'a' })).toBe(3);
    expect(g.seriesCount).toBe(1);
    await clock.advanceAsync(monitor.options.histogram.slotLength);
    await monitor.flush();
    const rollups = await storage.queryRollups({ name: 'conns', from: 0, to: clock.now() + 1 });
    const first = rollups.filter((r) => r.start === rollups[0]!.start);
    expect(first.map((r) => [r.count, r.sum, r.min, r.max, r.last])).toEqual([[3, 11, 1, 7, 3]]);
    await monitor.close();
  });
});
