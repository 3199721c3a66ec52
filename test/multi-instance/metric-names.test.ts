/**
 * The fleet-wide metric explorer's list (`listMetricNames`, GET /metrics/names) across processes
 * (issue 19): three instance processes of one service on the real Redis (and again on the real
 * PostgreSQL) write the same new name and names of their own into the same slot at once. Any
 * process, one that defined nothing included, lists every name once, with its kind, its latest
 * slot end and (where the store counts them) its series of every instance together; a process
 * that restarts lists the same.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { StoredMetricName } from '../../src/index.js';
import { postgresAvailable, uniqueSchema } from '../helpers/postgres-db.js';
import { redisAvailable, uniquePrefix } from '../helpers/redis-env.js';
import { clearSharedStore } from '../helpers/shared-store.js';
import { all, startFleet, type FleetProcess } from './fleet-processes.js';

const SLOT = 30_000;

describe.each(['redis', 'postgres'] as const)('metric names written by three processes at once on %s', (store) => {
  const reachable = store === 'redis' ? redisAvailable('metric names on Redis') : postgresAvailable('metric names on PostgreSQL');
  const namespace = store === 'redis' ? uniquePrefix() : uniqueSchema('pw_fleet_names');
  // Slots a few minutes back: within the stores' retention, which follows the real clock.
  const start = Math.floor(Date.now() / SLOT) * SLOT - 10 * SLOT;
  const started: FleetProcess[] = [];

  afterAll(async () => {
    await Promise.all(started.map((p) => p.close()));
    if (await reachable) await clearSharedStore(store, namespace);
  }, 60_000);

  async function fleet(count: number): Promise<FleetProcess[]> {
    const processes = await startFleet(count, { store, namespace, start, digits: 3 });
    started.push(...processes);
    return processes;
  }

  it('are listed once each, with kind, latest slot end and every instance\'s series, by any process', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const instances = await fleet(3);
    // The same counter name from all three (a shop of their own and one they share), and a
    // histogram name of each one's own, all in the first slot; then only instance 0 writes a second slot.
    await Promise.all(instances.map((p, i) => p.call({ op: 'count', metric: 'orders_total', amounts: { shared: [1], [`shop${i}`]: [i + 1] } })));
    await Promise.all(instances.map((p, i) => p.call({ op: 'observe', metric: `own_${i}_seconds`, values: [0.1 * (i + 1)] })));
    await all(instances, { op: 'advance', ms: SLOT });
    await all(instances, { op: 'flush' }); // three writers at once
    await instances[0]!.call({ op: 'count', metric: 'orders_total', amounts: { shared: [5] } });
    await all(instances, { op: 'advance', ms: SLOT });
    await all(instances, { op: 'flush' });

    const [reader] = await fleet(1); // defines nothing
    const query = { since: start - 1 };
    // The monitors' own self-metrics (pulsewatch_*) are stored too; these are the test's.
    const own = (names: StoredMetricName[]): StoredMetricName[] => names.filter((n) => !n.name.startsWith('pulsewatch_'));
    const lists = (await Promise.all([...instances, reader!].map((p) => p.call<StoredMetricName[]>({ op: 'names', query })))).map(own);
    for (const names of lists) {
      expect(names.map((n) => n.name)).toEqual(['orders_total', 'own_0_seconds', 'own_1_seconds', 'own_2_seconds']);
      expect(names.map((n) => n.kind)).toEqual(['counter', 'histogram', 'histogram', 'histogram']);
      // orders_total's latest slot is the second (instance 0 wrote it); the others' the first.
      expect(names.map((n) => n.lastSeen)).toEqual([start + 2 * SLOT, start + SLOT, start + SLOT, start + SLOT]);
      // Series: shared + shop0..2 for the counter (every instance's), one each otherwise.
      const counted = names.filter((n) => n.series !== undefined);
      expect(counted.map((n) => n.series)).toEqual([4, 1, 1, 1]);
    }
    // Names after a slot: only orders_total was written after the first slot ended.
    const later = own(await reader!.call<StoredMetricName[]>({ op: 'names', query: { since: start + SLOT } }));
    expect(later.map((n) => n.name)).toEqual(['orders_total']);

    // Instance 1 restarts (a new process, a new instanceId): it lists the same names.
    await instances[1]!.close();
    const [restarted] = await fleet(1);
    const again = own(await restarted!.call<StoredMetricName[]>({ op: 'names', query }));
    expect(again).toEqual(lists[0]);
  }, 60_000);
});
