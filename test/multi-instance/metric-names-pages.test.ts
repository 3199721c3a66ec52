/**
 * Pages of many names (issue 19, the explorer over a large fleet): three processes write 360
 * names at once (120 shared by all three, 80 of each one's own) on the real Redis, where a page
 * walks the name order the writers keep (`P namelex`), and on the real PostgreSQL. Any process,
 * a fresh one included, reads the same first page, with `match` and `since`, as a sort of every
 * name would give, with every instance's series where the store counts them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredMetricName } from '../../src/index.js';
import { byCodePoint } from '../../src/storage/metric-names.js';
import { postgresAvailable } from '../helpers/postgres-db.js';
import { redisAvailable } from '../helpers/redis-env.js';
import { clearSharedStore } from '../helpers/shared-store.js';
import { all, startFleet, type FleetProcess } from './fleet-processes.js';

const SLOT = 30_000;

describe.each(['redis', 'postgres'] as const)('pages of names three processes wrote at once on %s', (store) => {
  const reachable = store === 'redis' ? redisAvailable('name pages on Redis') : postgresAvailable('name pages on PostgreSQL');
  const namespace = store === 'redis' ? `n:pages:${process.pid}:` : `n_pages_${process.pid}`;
  const start = Math.floor(Date.now() / SLOT) * SLOT - 10 * SLOT;
  const started: FleetProcess[] = [];

  afterAll(async () => {
    await Promise.all(started.map((p) => p.close()));
    if (await reachable) await clearSharedStore(store, namespace);
  }, 60_000);

  it('lists the same first page from every process, as a sort of every name gives', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const instances = await startFleet(3, { store, namespace, start, digits: 3 });
    started.push(...instances);
    const shared = Array.from({ length: 120 }, (_, k) => `shared_${String(k).padStart(3, '0')}_total`);
    const own = (i: number): string[] => Array.from({ length: 80 }, (_, k) => `own${i}_${String(k).padStart(3, '0')}_total`);
    // Each process defines its names in its own order; all flush the same slot at once.
    await Promise.all(
      instances.map(async (p, i) => {
        const names = [...shared, ...own(i)];
        if (i === 1) names.reverse();
        for (const metric of names) await p.call({ op: 'count', metric, amounts: { [`shop${i}`]: [1] } });
      }),
    );
    await all(instances, { op: 'advance', ms: SLOT });
    await all(instances, { op: 'flush' });
    // Only instance 2 writes a second slot, of its own names.
    for (const metric of own(2)) await instances[2]!.call({ op: 'count', metric, amounts: { shop2: [1] } });
    await all(instances, { op: 'advance', ms: SLOT });
    await all(instances, { op: 'flush' });

    const everything = [...shared, ...own(0), ...own(1), ...own(2)].sort(byCodePoint);
    const [reader] = await startFleet(1, { store, namespace, start, digits: 3 });
    started.push(reader!);
    const mine = (names: StoredMetricName[]): StoredMetricName[] => names.filter((n) => !n.name.startsWith('pulsewatch_'));
    const cases: { query: { since: number; limit: number; match?: string }; expected: string[] }[] = [
      { query: { since: start - 1, limit: 400 }, expected: everything },
      { query: { since: start - 1, limit: 25, match: 'own' }, expected: everything.filter((n) => n.includes('own')).slice(0, 25) },
      { query: { since: start - 1, limit: 30, match: 'SHARED_1' }, expected: shared.filter((n) => n.startsWith('shared_1')).slice(0, 30) },
      { query: { since: start + SLOT, limit: 10, match: 'own' }, expected: own(2).slice(0, 10) },
    ];
    for (const { query, expected } of cases) {
      const lists = await Promise.all([...instances, reader!].map(async (p) => mine(await p.call<StoredMetricName[]>({ op: 'names', query }))));
      for (const names of lists) {
        expect(names.map((n) => n.name), JSON.stringify(query)).toEqual(expected);
        expect(new Set(names.map((n) => n.kind))).toEqual(new Set(expected.length > 0 ? ['counter'] : []));
      }
    }
    // Series of every instance: three for a shared name, one for an own name.
    const page = mine(await reader!.call<StoredMetricName[]>({ op: 'names', query: { since: start - 1, limit: 400 } }));
    const series = new Map(page.map((n) => [n.name, n.series]));
    expect(series.get('shared_000_total')).toBe(3);
    expect(series.get('own1_000_total')).toBe(1);
    expect(page.find((n) => n.name === 'own2_000_total')!.lastSeen).toBe(start + 2 * SLOT);
    expect(page.find((n) => n.name === 'own1_000_total')!.lastSeen).toBe(start + SLOT);
  }, 120_000);
});
