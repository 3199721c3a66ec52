import { afterAll, describe, expect, it } from 'vitest';
import { createMonitor, type AggregatedMetrics } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { ManualClock } from '../../src/testing.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';
import { random } from '../helpers/random.js';

const available = await postgresAvailable('PostgresStorage window tests');
const SLOT = 30_000;
const N = 100_000;
const SLOTS = 240; // 2 hours
const T0 = Date.UTC(2026, 0, 1);
const PERCENTILES = ['p50', 'p90', 'p95', 'p99', 'p999'] as const;

describe.skipIf(!available)('percentiles over a window read from PostgreSQL', () => {
  const pool = testPool(2);
  const schema = uniqueSchema('pw_window');
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('equal those of one histogram fed the same values, over 2 hours of stored slots, and are within 1% of exact', async () => {
    const values = logNormal(N, Math.log(80), 1.1, 2026);

    const clock = new ManualClock(T0);
    const storage = new PostgresStorage({ pool, schema, now: () => clock.now() });
    await storage.migrate();
    const monitor = createMonitor({ storage, clock });
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    const perSlot = Math.ceil(N / SLOTS);
    for (let i = 0; i < N; i++) {
      h.observe(values[i]!);
      if ((i + 1) % perSlot === 0 && i + 1 < N) await clock.advanceAsync(SLOT);
    }
    await monitor.flush();
    // Nearly all of it comes from PostgreSQL: memory holds the last 11 slots only.
    const stored = await storage.queryRollups({ name: 'latency_milliseconds' });
    expect(stored.length).toBeGreaterThanOrEqual(SLOTS - 1);
    expect(stored.every((r) => typeof r.hdr === 'string' && r.hdr.length > 0)).toBe(true);
    const windowed = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '2h' });

    // One in-memory histogram: every value in a single slot of a monitor on MemoryStorage.
    const single = createMonitor({ clock: new ManualClock(T0) });
    const one = single.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    for (const v of values) one.observe(v);
    const reference = await single.getAggregatedMetrics({ name: 'latency_milliseconds' });

    expect(windowed.count).toBe(N);
    expect(windowed.min).toBe(reference.min);
    expect(windowed.max).toBe(reference.max);
    expect(windowed.sum).toBeCloseTo(reference.sum, 3);
    expect(pick(windowed)).toEqual(pick(reference));

    const sorted = values.slice().sort((a, b) => a - b);
    for (const [key, p] of [['p50', 50], ['p90', 90], ['p95', 95], ['p99', 99]] as const) {
      const exact = sorted[Math.ceil((p * N) / 100) - 1]!;
      expect(Math.abs(windowed[key] - exact) / exact, key).toBeLessThan(0.01);
    }
    await Promise.all([monitor.close(), single.close()]);
    await storage.close();
  }, 120_000);
});

function pick(m: AggregatedMetrics): Record<string, number> {
  return Object.fromEntries(PERCENTILES.map((k) => [k, m[k]]));
}

/** `n` log-normal values from a seeded PRNG (mulberry32 + Box-Muller). */
function logNormal(n: number, mu: number, sigma: number, seed: number): number[] {
  const next = random(seed);
  const out: number[] = [];
  while (out.length < n) {
    const z = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    out.push(Math.exp(mu + sigma * z));
  }
  return out;
}
