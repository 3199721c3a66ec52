/**
 * Many instances as one: three processes of one service on one Redis (and again on one
 * PostgreSQL) agree through the store. A rule created on one is evaluated by all; with the same
 * rule firing on all three, one notification goes out per cooldown between them; percentiles
 * read from the store over the rollups all three wrote equal those of one histogram fed every value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type AlertRecord, type AlertRule } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { startInstances, type Instance } from '../helpers/instances.js';
import { startReceiver, type Receiver } from '../helpers/notifier-http-receiver.js';
import { postgresAvailable, uniqueSchema } from '../helpers/postgres-db.js';
import { pollUntil } from '../helpers/real-time.js';
import { redisAvailable, uniquePrefix } from '../helpers/redis-env.js';
import { clearSharedStore, openSharedStore } from '../helpers/shared-store.js';

// Near real time: the stores' retention and leases judge age by their own clocks.
const START = Date.now();
const STORES = ['redis', 'postgres'] as const;

/** Log-normal latencies in seconds, deterministic. */
function latencies(n: number, seed: number): number[] {
  let x = seed;
  const rand = (): number => ((x = (x * 1_103_515_245 + 12_345) % 2_147_483_648) + 1) / 2_147_483_649;
  return Array.from({ length: n }, () => Math.exp(-2 + 0.8 * Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand())));
}


describe.each(STORES)('three instances sharing %s', (store) => {
  const reachable = store === 'redis' ? redisAvailable('multi-instance on Redis') : postgresAvailable('multi-instance on PostgreSQL');
  let hook: Receiver;
  let instances: Instance[] = [];
  const namespace = store === 'redis' ? uniquePrefix() : uniqueSchema('pw_multi');
  const all = <T>(fn: (i: Instance) => Promise<T>): Promise<T[]> => Promise.all(instances.map(fn));

  beforeAll(async () => {
    if (!(await reachable)) return;
    hook = await startReceiver();
    instances = await startInstances(3, { store, namespace, start: START, webhookUrl: `${hook.url}/alerts` });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.close()));
    await hook?.close();
    if (!(await reachable)) return;
    await clearSharedStore(store, namespace);
  }, 60_000);

  it('evaluate a rule created on one of them, and send one notification per cooldown between them', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const rule = await instances[0]!.call<AlertRule>({
      op: 'createRule',
      rule: { name: 'SlowCheckout', metric: 'checkout_duration_seconds', aggregation: 'p95', window: '1m', condition: 'gt', threshold: 1, cooldown: '10m', severity: 'critical' },
    });
    // Every instance serves slow requests; the others learn the rule at their next sync.
    await all((i) => i.call({ op: 'observe', metric: 'checkout_duration_seconds', values: Array(20).fill(2.5) }));
    await all((i) => i.call({ op: 'advance', ms: 15_000 }));
    await all((i) => i.call({ op: 'evaluate' }));
    // One of them evaluated; the others read its stored alert at their next tick (run at once
    // here, in the same tick: the evaluating one evaluates again and notifies nothing more).
    await all((i) => i.call({ op: 'evaluate' }));
    for (const i of instances) expect((await i.call<AlertRule[]>({ op: 'rules' })).map((r) => r.id)).toEqual([rule.id]);
    for (const i of instances) expect((await i.call<AlertRecord[]>({ op: 'activeAlerts' })).map((a) => a.ruleId)).toEqual([rule.id]);
    await all((i) => i.call({ op: 'idle' }));
    expect(hook.requests).toHaveLength(1);

    // Five more minutes of evaluations inside the 10 m cooldown: still one notification in all.
    for (let minute = 0; minute < 5; minute++) {
      await all((i) => i.call({ op: 'observe', metric: 'checkout_duration_seconds', values: Array(20).fill(2.5) }));
      await all((i) => i.call({ op: 'advance', ms: 60_000 }));
      await all((i) => i.call({ op: 'evaluate' }));
    }
    await all((i) => i.call({ op: 'idle' }));
    expect(hook.requests).toHaveLength(1);
    expect(JSON.parse(hook.requests[0]!.body)).toMatchObject({ status: 'firing', alerts: [{ labels: { alertname: 'SlowCheckout', service: 'checkout' } }] });
  }, 120_000);

  it('send the next notification once the cooldown held in the store has passed, again only one', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const sent = (): number => hook.requests.filter((r) => r.body.includes('SlowPayment')).length;
    await instances[1]!.call({
      op: 'createRule',
      rule: { name: 'SlowPayment', metric: 'payment_duration_seconds', aggregation: 'max', window: '1m', condition: 'gt', threshold: 1, cooldown: '2s', severity: 'critical' },
    });
    const tick = async (): Promise<void> => {
      await all((i) => i.call({ op: 'observe', metric: 'payment_duration_seconds', values: [2] }));
      await all((i) => i.call({ op: 'advance', ms: 15_000 }));
      await all((i) => i.call({ op: 'evaluate' }));
      await all((i) => i.call({ op: 'idle' }));
    };
    await tick();
    expect(sent()).toBe(1);
    // The instances' clocks say minutes passed, but the lease lives on the store's clock: held.
    await tick();
    expect(sent()).toBe(1);
    // The store's own clock (its TTL) frees the lease 2 s after it was taken: real time, which
    // no ManualClock moves. Poll with ticks (the instances' clocks may run on meanwhile: the
    // cooldown is not theirs) until the second notification goes out, with a deadline.
    await pollUntil(tick, () => sent() > 1, 'the notification after the store freed the cooldown lease', 15_000);
    expect(sent()).toBe(2);
    await tick();
    expect(sent()).toBe(2);
  }, 60_000);

  it('read percentiles from the store over what all three wrote, equal to one histogram fed every value', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const values = latencies(30_000, 7);
    await Promise.all(instances.map((i, n) => i.call({ op: 'observe', metric: 'api_latency_seconds', values: values.filter((_, k) => k % 3 === n) })));
    await all((i) => i.call({ op: 'flush' }));
    const now = (await all((i) => i.call<number>({ op: 'advance', ms: 0 })))[0]!;

    // One histogram fed every value, in memory.
    const reference = createMonitor({ clock: new ManualClock(now) });
    const h = reference.histogram({ name: 'api_latency_seconds', unit: 'seconds' });
    for (const v of values) h.observe(v);
    const expected = await reference.getAggregatedMetrics({ name: 'api_latency_seconds', window: '1h' });
    await reference.close();

    // A fourth monitor that recorded nothing itself reads all three instances' rollups from the store.
    const storage = await openSharedStore(store, namespace);
    const reader = createMonitor({ clock: new ManualClock(now), storage });
    reader.histogram({ name: 'api_latency_seconds', unit: 'seconds' });
    const fromStore = await reader.getAggregatedMetrics({ name: 'api_latency_seconds', window: '1h' });
    await reader.close();
    await storage.close();

    expect(fromStore.count).toBe(values.length);
    for (const p of ['p50', 'p90', 'p95', 'p99', 'p999'] as const) expect(fromStore[p], p).toBe(expected[p]);
    expect(fromStore.sum).toBeCloseTo(expected.sum, 6);
  }, 120_000);
});
