/**
 * Dedup across processes (issue 17 item 2): three processes of one service, each with its own job
 * runner, on the real Redis and again on the real PostgreSQL, enqueue the same idempotency keys
 * at once; each key runs exactly once in the fleet, through the store's leases.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresAvailable, uniqueSchema } from '../helpers/postgres-db.js';
import { redisAvailable, uniquePrefix } from '../helpers/redis-env.js';
import { clearSharedStore } from '../helpers/shared-store.js';
import { forkRpc, type RpcProcess } from '../helpers/rpc-process.js';

const FIXTURE = fileURLToPath(new URL('./dedup-process.ts', import.meta.url));

type Instance = RpcProcess;

const start = (config: object): Promise<Instance> => forkRpc(FIXTURE, config, 'dedup process');

describe.each(['redis', 'postgres'] as const)('dedup across 3 processes on %s', (store) => {
  const reachable = store === 'redis' ? redisAvailable('jobs dedup on Redis') : postgresAvailable('jobs dedup on PostgreSQL');
  const namespace = store === 'redis' ? uniquePrefix() : uniqueSchema('pw_jobs_dedup');
  const instances: Instance[] = [];

  afterAll(async () => {
    await Promise.all(instances.map((i) => i.call({ op: 'close' }).catch(() => undefined)));
    if (await reachable) await clearSharedStore(store, namespace);
  }, 60_000);

  it('runs each idempotency key once in the fleet', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    instances.push(...(await Promise.all([0, 1, 2].map(() => start({ store, namespace })))));
    const posts = Array.from({ length: 30 }, (_, i) => `post-${i}`);
    const results = await Promise.all(instances.map((i) => i.call<{ ran: string[]; deduplicated: number; errors: string[] }>({ op: 'enqueue', posts })));
    const ran = results.flatMap((r) => r.ran).sort();
    expect(ran).toEqual([...posts].sort());
    expect(results.reduce((n, r) => n + r.deduplicated, 0)).toBe(60);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    // A second round within the TTL runs nothing anywhere.
    const again = await Promise.all(instances.map((i) => i.call<{ ran: string[]; deduplicated: number }>({ op: 'enqueue', posts: posts.slice(0, 5) })));
    expect(again.flatMap((r) => r.ran)).toHaveLength(30);
    expect(again.reduce((n, r) => n + r.deduplicated, 0)).toBe(15);
  }, 60_000);
});
