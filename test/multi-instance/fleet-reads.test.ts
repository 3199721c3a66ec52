/**
 * Fleet-wide reads across processes (issue 15 items 2 and 3): three instance processes of one
 * service on the real Redis (and again on the real PostgreSQL) record identical and different
 * values into the same slots. getAggregatedMetrics on any of them, and on a fresh process that
 * defined nothing, returns the same counts and sums, and percentiles equal to one histogram fed
 * every value; a rule evaluated on one instance fires on a fleet-wide p95 and on a fleet-wide
 * counter sum that no single instance reaches.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AggregatedMetrics, AlertRecord, EvaluationResult } from '../../src/index.js';
import { Distribution } from '../../src/metrics/distribution.js';
import { BucketLayout, SparseCounts } from '../../src/metrics/log-buckets.js';
import { postgresAvailable, uniqueSchema } from '../helpers/postgres-db.js';
import { redisAvailable, uniquePrefix } from '../helpers/redis-env.js';
import { clearSharedStore } from '../helpers/shared-store.js';
import { all, startFleet, type FleetProcess } from './fleet-processes.js';

const SLOT = 30_000;
const DIGITS = 3;
/** The resolution of a `unit: 'seconds'` histogram. */
const RESOLUTION = 1e-6;

/** Instance `i`'s values of one slot: two identical on every instance, and its own (150 on the first, past a slot's exact capacity). */
function checkouts(i: number, slot: number): number[] {
  const own = i === 0 ? Array.from({ length: 150 }, (_, k) => 0.001 * (k + 1) + slot * 0.0005) : [0.1 * (i + 1) + slot * 0.01, 1.5 + i, 0.003 * (i + 1)];
  return [0.5, 0.25, ...own];
}
const orders = (i: number) => ({ a: [1], b: [i + 1, 10 * i] });

/** One histogram fed every value, in the layout and resolution the instances use. */
function oneHistogram(values: readonly number[]): Distribution {
  const layout = new BucketLayout(DIGITS);
  const counts = new SparseCounts(layout);
  for (const v of values) counts.record(Math.floor(v / RESOLUTION));
  const dist = new Distribution(layout, RESOLUTION);
  dist.addCounts(
    counts,
    values.reduce((a, b) => a + b, 0),
    Math.min(...values),
    Math.max(...values),
  );
  return dist;
}

describe.each(['redis', 'postgres'] as const)('three processes of one service on %s', (store) => {
  const reachable = store === 'redis' ? redisAvailable('fleet reads on Redis') : postgresAvailable('fleet reads on PostgreSQL');
  const namespace = store === 'redis' ? uniquePrefix() : uniqueSchema('pw_fleet_reads');
  // Slots a few minutes back: within the stores' retention, which follows the real clock.
  const start = Math.floor(Date.now() / SLOT) * SLOT - 10 * SLOT;
  const started: FleetProcess[] = [];

  afterAll(async () => {
    await Promise.all(started.map((p) => p.close()));
    if (await reachable) await clearSharedStore(store, namespace);
  }, 60_000);

  async function fleet(count: number): Promise<FleetProcess[]> {
    const processes = await startFleet(count, { store, namespace, start, digits: DIGITS });
    started.push(...processes);
    return processes;
  }

  it('read the same totals and percentiles from any instance and from a process that defined nothing', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const instances = await fleet(3);
    for (let slot = 0; slot < 2; slot++) {
      await Promise.all(instances.map((p, i) => p.call({ op: 'observe', metric: 'checkout_seconds', values: checkouts(i, slot) })));
      await Promise.all(instances.map((p, i) => p.call({ op: 'count', metric: 'orders_total', amounts: orders(i) })));
      await all(instances, { op: 'advance', ms: SLOT });
      await all(instances, { op: 'flush' });
    }
    // The open slot holds values too: a reader's own open slot is memory only.
    await Promise.all(instances.map((p, i) => p.call({ op: 'observe', metric: 'checkout_seconds', values: [2 + i] })));
    const [reader] = await fleet(1);
    await reader!.call({ op: 'advance', ms: 2 * SLOT });

    const values = [0, 1, 2].flatMap((i) => [...checkouts(i, 0), ...checkouts(i, 1)]);
    const fromStore = [...values]; // what the reader, which holds nothing, can see
    values.push(2, 3, 4);
    const query = { name: 'checkout_seconds', window: '5m' };
    const seen = await all<AggregatedMetrics>(instances, { op: 'aggregate', query });
    const fresh = await reader!.call<AggregatedMetrics>({ op: 'aggregate', query });

    const expectOne = (stats: AggregatedMetrics, fed: readonly number[]) => {
      const one = oneHistogram(fed).summary();
      expect(stats.kind).toBe('histogram');
      expect(stats.count).toBe(fed.length);
      expect(stats.sum).toBeCloseTo(one.sum, 9);
      expect([stats.min, stats.max]).toEqual([one.min, one.max]);
      expect([stats.p50, stats.p90, stats.p95, stats.p99, stats.p999]).toEqual([one.p50, one.p90, one.p95, one.p99, one.p999]);
    };
    // Every instance sees the others' open slots only once they are written: its own open slot and every stored slot.
    for (const [i, stats] of seen.entries()) expectOne(stats, [...fromStore, 2 + i]);
    expectOne(fresh, fromStore);
    expect(fresh.unit).toBeUndefined();
    expect(seen.map((s) => s.unit)).toEqual(['seconds', 'seconds', 'seconds']);

    const recorded = [0, 1, 2].reduce((n, i) => n + 2 * Object.values(orders(i)).flat().reduce((a, b) => a + b, 0), 0);
    for (const p of [...instances, reader!]) {
      expect(await p.call<AggregatedMetrics>({ op: 'aggregate', query: { name: 'orders_total', window: '5m' } })).toMatchObject({ kind: 'counter', sum: recorded, series: 2 });
      expect(await p.call<AggregatedMetrics>({ op: 'aggregate', query: { name: 'orders_total', labels: { shop: 'a' }, window: '5m' } })).toMatchObject({ sum: 6, count: 6 });
    }
    for (const p of [...instances, reader!]) expect(await p.call<string[]>({ op: 'errors' })).toEqual([]);
  }, 120_000);

  it('fire a rule on one instance on a fleet-wide p95 and a fleet-wide sum no instance reaches alone', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const [fast, slow1, slow2] = await fleet(3);
    // The evaluating instance is fast: its own p95 is 0.01 s. Together, 200 of 300 values are 2 s.
    await fast!.call({ op: 'observe', metric: 'latency_seconds', values: Array(100).fill(0.01) });
    for (const p of [slow1!, slow2!]) await p.call({ op: 'observe', metric: 'latency_seconds', values: Array(100).fill(2) });
    // Two instances count 100 each; the evaluating one counts nothing.
    for (const p of [slow1!, slow2!]) await p.call({ op: 'count', metric: 'sales_total', amounts: { x: Array(100).fill(1) } });
    await all([fast!, slow1!, slow2!], { op: 'advance', ms: SLOT });
    await all([slow1!, slow2!], { op: 'flush' });

    for (const p of [slow1!, slow2!]) {
      const mine = await p.call<AggregatedMetrics>({ op: 'aggregate', query: { name: 'sales_total', window: '5m' } });
      expect(mine.sum).toBe(200); // every instance reads the fleet's sum...
    }
    // ...of which each counted 100, under the threshold alone.
    const rule = { aggregation: 'sum', window: '5m', condition: 'gt', threshold: 150, duration: 0, severity: 'warning' } as const;
    await fast!.call({ op: 'createRule', rule: { ...rule, name: 'fleet sales', metric: 'sales_total' } });
    await fast!.call({ op: 'createRule', rule: { ...rule, name: 'fleet p95', metric: 'latency_seconds', aggregation: 'p95', threshold: 1 } });
    const result = await fast!.call<EvaluationResult>({ op: 'evaluate' });
    expect(result).toMatchObject({ rules: 2, firing: 2 });
    const alerts = await fast!.call<AlertRecord[]>({ op: 'activeAlerts' });
    const byName = Object.fromEntries(alerts.map((a) => [a.ruleName, a.value]));
    expect(byName['fleet sales']).toBe(200);
    expect(Math.abs(byName['fleet p95']! - 2) / 2).toBeLessThan(0.01);
    expect(await fast!.call<string[]>({ op: 'errors' })).toEqual([]);
  }, 120_000);
});
