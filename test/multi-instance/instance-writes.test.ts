/**
 * Every write kept, exactly once, across processes: three separate processes of one service on
 * the real Redis (and again on the real PostgreSQL) count identical and different values into the
 * same two slots. The store then holds one rollup per series, slot and instance, and its sums and
 * counts equal what the three recorded in total, read from the store and through a fresh monitor.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createMonitor, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { postgresAvailable, uniqueSchema } from '../helpers/postgres-db.js';
import { redisAvailable, uniquePrefix } from '../helpers/redis-env.js';
import type { WriterConfig } from './writer-process.js';
import { clearSharedStore, openSharedStore } from '../helpers/shared-store.js';

const SLOT = 30_000;
// Two slots that ended a minute ago: within the stores' retention, which follows the real clock.
const START = Math.floor(Date.now() / SLOT) * SLOT - 4 * SLOT;
const WRITER = fileURLToPath(new URL('./writer-process.ts', import.meta.url));

/** Each writer: one order in shop a (identical everywhere), its own amounts in shop b, one identical and one own latency. */
const plans = [0, 1, 2].map((i) => ({ orders: { a: [1], b: [i + 1, 10 * i] }, checkouts: [0.5, 0.1 * (i + 1)] }));
const SLOTS = 2;

function runWriter(config: WriterConfig): Promise<{ instanceId: string; errors: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as { instanceId: string; errors: string[] }) : reject(new Error(`writer exited ${code}: ${stderr}`))));
  });
}


const total = (rows: Rollup[], field: 'count' | 'sum'): number => rows.reduce((n, r) => n + r[field], 0);

describe.each(['redis', 'postgres'] as const)('three processes writing the same slots of %s', (store) => {
  const reachable = store === 'redis' ? redisAvailable('instance writes on Redis') : postgresAvailable('instance writes on PostgreSQL');
  const namespace = store === 'redis' ? uniquePrefix() : uniqueSchema('pw_writes');

  afterAll(async () => {
    if (!(await reachable)) return;
    await clearSharedStore(store, namespace);
  }, 60_000);

  it('keeps every write: the stored sums and counts equal what was recorded in total', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const writers = await Promise.all(plans.map((plan) => runWriter({ store, namespace, start: START, ...plan })));
    for (const w of writers) expect(w.errors).toEqual([]);
    expect(new Set(writers.map((w) => w.instanceId)).size).toBe(3);

    const storage = await openSharedStore(store, namespace);
    const shopA = await storage.queryRollups({ name: 'orders_total', labels: { shop: 'a' } });
    const shopB = await storage.queryRollups({ name: 'orders_total', labels: { shop: 'b' } });
    const checkouts = await storage.queryRollups({ name: 'checkout_seconds' });
    // One rollup per series, slot and instance: 3 instances x 2 slots each.
    for (const rows of [shopA, shopB, checkouts]) {
      expect(rows).toHaveLength(3 * SLOTS);
      expect(new Set(rows.map((r) => `${r.start}|${r.instance}`)).size).toBe(3 * SLOTS);
      expect(new Set(rows.map((r) => r.instance))).toEqual(new Set(writers.map((w) => w.instanceId)));
    }
    const recordedB = plans.reduce((n, p) => n + p.orders.b.reduce((a, b) => a + b, 0), 0) * SLOTS;
    expect({ count: total(shopA, 'count'), sum: total(shopA, 'sum') }).toEqual({ count: 3 * SLOTS, sum: 3 * SLOTS });
    expect({ count: total(shopB, 'count'), sum: total(shopB, 'sum') }).toEqual({ count: 2 * 3 * SLOTS, sum: recordedB });
    const allCheckouts = plans.flatMap((p) => p.checkouts);
    expect(total(checkouts, 'count')).toBe(allCheckouts.length * SLOTS);
    expect(total(checkouts, 'sum')).toBeCloseTo(allCheckouts.reduce((a, b) => a + b, 0) * SLOTS, 9);

    // A fresh monitor that recorded nothing reads the same totals through the store.
    const reader = createMonitor({ clock: new ManualClock(START + 3 * SLOT), storage });
    reader.counter({ name: 'orders_total', help: 'Orders', labelNames: ['shop'] });
    const orders = await reader.getAggregatedMetrics({ name: 'orders_total', window: '5m' });
    expect(orders.sum).toBe(3 * SLOTS + recordedB);
    await reader.close();
    await storage.close();
  }, 120_000);
});
