/**
 * Compaction in a fleet: three Node processes, each a monitor with compaction on over one real
 * Redis and one real PostgreSQL, on ManualClocks the test moves together. At each tick exactly one
 * of them compacts (the store lease); when it dies, another takes the next tick; totals never change.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPACTED_INSTANCE, type Rollup } from '../../src/storage/contract.js';
import { PostgresStorage } from '../../src/postgres.js';
import { RedisStorage } from '../../src/redis.js';
import { postgresAvailable } from '../helpers/postgres-db.js';
import { redisAvailable } from '../helpers/redis-env.js';
import { forkRpc, type RpcProcess } from '../helpers/rpc-process.js';
import { clearSharedStore } from '../helpers/shared-store.js';

const FIXTURE = fileURLToPath(new URL('./compaction-process.ts', import.meta.url));
const up = { redis: await redisAvailable('compaction fleet (Redis)'), postgres: await postgresAvailable('compaction fleet (PostgreSQL)') };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const INTERVAL = 10 * MINUTE;
const NAME = 'compaction_fleet_total';

/** Counter rollups of 3 series and 2 writers, one every 10 minutes, over [from, to). */
function rollups(from: number, to: number): Rollup[] {
  const out: Rollup[] = [];
  for (let start = from; start < to; start += 10 * MINUTE) {
    for (let s = 0; s < 3; s++) for (const instance of ['w1', 'w2']) out.push({ name: NAME, kind: 'counter', labels: { s: String(s) }, start, end: start + MINUTE, count: 1, sum: 2, min: 2, max: 2, instance });
  }
  return out;
}

describe.each(['redis', 'postgres'] as const)('compaction by three processes on %s', (store) => {
  const namespace = store === 'redis' ? `pwC:compact:${randomUUID()}:` : `pw_c_compact_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  afterAll(() => (up[store] ? clearSharedStore(store, namespace) : undefined));

  it.skipIf(!up[store])('one process compacts each tick; another takes over when it dies', { timeout: 120_000 }, async () => {
    // On the current 10 minutes: the stores' servers judge TTLs (Redis) by their own clock.
    const start = Math.floor(Date.now() / INTERVAL) * INTERVAL;
    const now = () => start;
    const reader = store === 'redis'
      ? new RedisStorage({ url: 'redis://127.0.0.1:6379', keyPrefix: namespace, retention: '30d', now })
      : new PostgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: namespace, retention: '30d', now });
    const processes: (RpcProcess | undefined)[] = [];
    const total = async () => (await reader.queryRollups({ name: NAME })).reduce((a, r) => ({ rows: a.rows + 1, sum: a.sum + r.sum, compacted: a.compacted + (r.instance === COMPACTED_INSTANCE ? 1 : 0) }), { rows: 0, sum: 0, compacted: 0 });
    try {
      if (reader instanceof PostgresStorage) await reader.migrate();
      const day = Math.floor(start / DAY) * DAY - 6 * DAY; // a whole UTC day, 6 days ago
      await reader.writeRollups(rollups(day, day + DAY));
      for (const id of ['p1', 'p2', 'p3']) processes.push(await forkRpc(FIXTURE, { store, namespace, start, id, interval: INTERVAL }, id));
      const tick = async () => {
        const answers = await Promise.all(processes.map((p) => p?.call<{ calls: number; errors: string[] }>({ op: 'tick' })));
        for (const a of answers) expect(a?.errors ?? []).toEqual([]);
        return answers.map((a) => (a === undefined ? 0 : a.calls));
      };

      const first = await tick();
      expect(first.filter((c) => c > 0)).toHaveLength(1);
      // A day of 3 series, merged into one rollup a series; the sum unchanged.
      expect(await total()).toEqual({ rows: 3, sum: 144 * 3 * 2 * 2, compacted: 3 });

      const runner = first.findIndex((c) => c > 0);
      await processes[runner]!.call({ op: 'die' }).catch(() => undefined);
      processes[runner] = undefined;
      await reader.writeRollups(rollups(day + DAY, day + 2 * DAY));
      const second = await tick();
      expect(second.filter((c) => c > 0)).toHaveLength(1);
      expect(second[runner]).toBe(0);
      expect(await total()).toEqual({ rows: 6, sum: 2 * 144 * 3 * 2 * 2, compacted: 6 });

      // Nothing left: the next tick's runner merges nothing, and the totals stay.
      await tick();
      expect(await total()).toEqual({ rows: 6, sum: 2 * 144 * 3 * 2 * 2, compacted: 6 });
    } finally {
      for (const p of processes) await p?.close();
      await reader.close();
    }
  });
});
