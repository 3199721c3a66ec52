// A ground-truth differential fuzz of the fleet's window reads (issue 15: every write kept once,
// read through one window query). 1-3 monitors on one ManualClock share one store (MemoryStorage,
// the real Redis under a key prefix of its own, the real PostgreSQL under a schema of its own);
// seeded random steps record into a histogram, a counter and a gauge (and late values with an old
// `timestamp` through `recordMetric`), move the clock (zero, into a slot,
// to a slot boundary exactly, past the ring), flush (at boundaries too, twice in a row), remove
// series, let idle series be evicted, fail a monitor's store writes for a while, close monitors
// and start others (the same instanceId: a restart; or a new one). Every recorded value is kept
// with its monitor and slot; after each step every live monitor and a monitor that defined
// nothing read windows of several lengths (`getAggregatedMetrics`, `snapshot()`, a rule's value),
// compared with the values the documented semantics say they see. The model (fleet.md, metrics.md):
// - a reader sees its own values (memory, waiting rollups) and the values of every slot whose
//   rollup reached the store (observed at the store wrapper, not guessed): another instance's
//   unflushed data is not visible (fleet.md, Staleness);
// - a gauge series writes every slot it lives through: the values set in it, else its value once;
// - a late value is a rollup of its own, of the whole slot its timestamp falls in;
// - a slot counts when it overlaps [from, now): a closed slot [s, e) when e > from, a zero-length
//   slot [s, s) (a flush at the instant a slot began) when s >= from;
// - a window whose start falls at or after the real end of a slot closed early (by a flush) and
//   before s + slotLength is skipped: memory reads that slot as a full one (fleet.md's known limit
//   "After flush() mid-slot"), so readers may disagree there. This covers a zero-length slot at
//   the window's start: its writer counts it, readers of its rollup (end = from) do not;
// - readers that keep stored rollups between reads (snapshot(), the rules) on a store without a
//   change log (PostgreSQL) re-read only the slots that ended within 2 slots + 60 s of their last
//   read, and everything every 5 minutes (fleet.md, Staleness): a rollup written later than that
//   after its slot ended (a monitor whose writes failed) is not expected there for 5 minutes.
// PW_FUZZ_SEEDS=n runs seeds 1..n (default 8 on MemoryStorage, 2 on Redis and PostgreSQL),
// PW_FUZZ_SEED=k seed k alone, PW_FUZZ_STEPS the steps a seed (36).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor, type StorageAdapter } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { dropSchema, postgresAvailable, testPool } from '../helpers/postgres-db.js';
import { random } from '../helpers/random.js';
import { expected, quantile, SLOT, wrap, type Mon, type Obs } from './ground-truth-model.js';
import { deleteUnder, inspector, redisAvailable, REDIS_URL } from '../helpers/redis-env.js';

const HOUR = 3_600_000;
// The stores' own clocks judge retention and leases: the test's time starts near the real one.
const T0 = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const H = 'gfuzz_latency_seconds';
const C = 'gfuzz_requests_total';
const G = 'gfuzz_queue_depth';
/** Recorded late (`recordMetric` with an old `timestamp`): each value its own rollup of its old slot. */
const L = 'gfuzz_late';
const ROUTES = ['a', 'b', 'c'];
/** Seeds 1..n (n: PW_FUZZ_SEEDS, else `short`: the default run stays under 20 s a store), or PW_FUZZ_SEED alone. */
const seeds = (short: number): number[] =>
  process.env.PW_FUZZ_SEED !== undefined ? [Number(process.env.PW_FUZZ_SEED)] : Array.from({ length: Number(process.env.PW_FUZZ_SEEDS ?? short) }, (_, i) => i + 1);
const STEPS = Number(process.env.PW_FUZZ_STEPS ?? 36);

type Opened = { storage: StorageAdapter; cleanup: () => Promise<void> };
const stores: [string, Promise<boolean>, (clock: ManualClock) => Promise<Opened>, number[]][] = [
  ['MemoryStorage', Promise.resolve(true), async (clock) => ({ storage: new MemoryStorage({ now: () => clock.now() }), cleanup: async () => undefined }), seeds(8)],
  [
    'Redis',
    redisAvailable('ground-truth fuzz on Redis'),
    async (clock) => {
      const { RedisStorage } = await import('../../src/redis.js');
      const prefix = `pw-g-${randomUUID()}:`;
      const storage = new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, retention: '1d', now: () => clock.now() });
      return {
        storage,
        cleanup: async () => {
          const admin = inspector();
          await deleteUnder(admin, prefix);
          admin.disconnect();
        },
      };
    },
    seeds(2),
  ],
  [
    'PostgreSQL',
    postgresAvailable('ground-truth fuzz on PostgreSQL'),
    async (clock) => {
      const { PostgresStorage } = await import('../../src/postgres.js');
      const schema = `pw_g_${randomUUID().slice(0, 8)}`;
      const storage = new PostgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema, now: () => clock.now() });
      await storage.migrate();
      return {
        storage,
        cleanup: async () => {
          const pool = testPool(1);
          await dropSchema(pool, schema);
          await pool.end();
        },
      };
    },
    seeds(2),
  ],
];

const RULES = [
  { id: 'gfuzz-hist-count', name: 'GfuzzHistCount', metric: H, aggregation: 'count', window: '2m' },
  { id: 'gfuzz-counter-sum', name: 'GfuzzCounterSum', metric: C, aggregation: 'sum', window: '5m' },
] as const;


for (const [store, reachable, open, storeSeeds] of stores) describe(`ground-truth fuzz of fleet window reads on ${store}`, () => {
  it.for(storeSeeds)('seed %i', { timeout: 60_000 }, async (seed, ctx) => {
    if (!(await reachable)) {
      ctx.skip();
      return;
    }
    const rand = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const clock = new ManualClock(T0 + Math.floor(rand() * 4) * SLOT + (rand() < 0.5 ? 0 : 7_000));
    const { storage, cleanup } = await open(clock);
    const changeLog = typeof storage.readRollupChanges === 'function';
    const obs: Obs[] = [];
    const mons = new Map<number, Mon>();
    const live: Mon[] = [];
    let serial = 0;
    let lateSeq = -1;
    let ids = 0;
    const log: string[] = [];

    const options = (id: string, state: { failing: boolean; written: Map<string, number[]> }) => ({
      clock,
      storage: wrap(storage, () => clock.now(), state),
      instanceId: id,
      logger: false as const,
      flush: { interval: '1h' },
      limits: { seriesTtl: '90s' },
      alerts: { sharedEvaluation: false, evaluationInterval: '1h', syncInterval: '1h' },
    });
    const start = async (id: string): Promise<Mon> => {
      const state = { failing: false, written: new Map<string, number[]>() };
      const monitor = createMonitor(options(id, state));
      monitor.on('error', () => undefined);
      monitor.histogram({ name: H, labelNames: ['route'], unit: 'seconds' });
      monitor.counter({ name: C, labelNames: ['route'] });
      monitor.gauge({ name: G, labelNames: ['route'] });
      for (const r of RULES) await monitor.alerts.ensureRule({ ...r, condition: 'gte', threshold: -1, duration: '1h' });
      // The flush starts the monitor: its open slot begins now.
      await monitor.flush();
      const mon: Mon = Object.assign(state, { serial: ++serial, id, monitor, slot: clock.now(), seq: 0, gauges: new Map(), heldGauges: new Map() }) as Mon;
      mons.set(mon.serial, mon);
      live.push(mon);
      return mon;
    };
    /** The model of a slot close at `at` on `mon`. */
    const close = (mon: Mon, at: number): void => {
      if (at < mon.slot) return;
      for (const o of obs) if (o.m === mon.serial && o.end === undefined) o.end = at;
      // Every gauge series writes each slot: its values set in it, else its value once (metrics.md).
      for (const [route, g] of [...mon.gauges, ...mon.heldGauges]) {
        if (!g.set) obs.push({ m: mon.serial, name: G, route, v: g.value, start: mon.slot, end: at, seq: mon.seq });
        g.set = false;
      }
      mon.heldGauges.clear();
      mon.slot = at;
      mon.seq++;
    };
    const reader = createMonitor({ clock, storage: wrap(storage, () => clock.now(), { failing: false, written: new Map() }), instanceId: 'gfuzz-reader', logger: false, alerts: { sharedEvaluation: false, evaluationInterval: '1h', syncInterval: '1h' } });
    reader.on('error', () => undefined);
    for (const r of RULES) await reader.alerts.ensureRule({ ...r, condition: 'gte', threshold: -1, duration: '1h' });

    const check = async (step: number): Promise<void> => {
      const now = clock.now();
      const aligned = Math.floor(now / SLOT) * SLOT;
      const froms = [now - SLOT, now - 2 * SLOT, now - 75_000, now - 300_000, now - 600_000, aligned, aligned - SLOT, aligned - 3 * SLOT, aligned - 12 * SLOT].filter((f) => f < now);
      // Ranges ending before now: on a slot boundary, and within a slot.
      const ranges = [[aligned - 2 * SLOT, aligned - SLOT], [aligned - 5 * SLOT, aligned], [now - 90_000, now - 20_000]].filter(([, to]) => to! < now) as [number, number][];
      const readers: [string, Monitor, number | undefined][] = [...live.map((m): [string, Monitor, number] => [`${m.id}#${m.serial}`, m.monitor, m.serial]), ['reader', reader, undefined]];
      for (const [who, monitor, self] of readers) {
        const where = (what: string) => `seed ${seed} step ${step} at T0+${now - T0} reader ${who}: ${what}\n${log.join('\n')}`;
        for (const [from, to] of [...froms.map((f): [number, number | undefined] => [f, undefined]), ...ranges]) {
          for (const name of [H, C, G, L]) {
            const want = expected(obs, mons, self, name, from, undefined, to);
            if (want === undefined) continue;
            const got = await monitor.getAggregatedMetrics({ name, from, ...(to === undefined ? {} : { to }) });
            const range = `[now-${now - from}, ${to === undefined ? 'now' : `now-${now - to}`})`;
            expect(got.count, where(`${name} count ${range}`)).toBe(want.count);
            if (want.count > 0) expect(got.sum, where(`${name} sum ${range}`)).toBeCloseTo(want.sum, 6);
            if (name === H && want.count > 0) {
              const sorted = [...want.values].sort((a, b) => a - b);
              expect(got.max, where(`${name} max`)).toBeCloseTo(sorted[sorted.length - 1]!, 6);
              for (const [p, q] of [['p50', 0.5], ['p90', 0.9], ['p99', 0.99]] as const) {
                const truth = quantile(sorted, q);
                expect(Math.abs(got[p] - truth), where(`${name} ${p} ${got[p]} vs ${truth}`)).toBeLessThanOrEqual(truth * 0.02 + 1e-6);
              }
            }
          }
        }
        // snapshot(): the default 5-minute window.
        const lagging = changeLog ? undefined : { now };
        const snapWant = expected(obs, mons, self, H, now - 300_000, lagging);
        if (snapWant !== undefined) {
          const entry = (await monitor.snapshot({ names: [H] })).performance.snapshot.find((s) => s.name === H);
          expect(entry?.count ?? 0, where('snapshot count')).toBe(snapWant.count);
          if (snapWant.count > 0) expect(entry!.count * entry!.mean, where('snapshot sum')).toBeCloseTo(snapWant.sum, 6);
        }
        // The rules' values: pending alerts (condition always met, `for` of an hour) carry them.
        await monitor.alerts.evaluate();
        const pending = monitor.alerts.getPendingAlerts();
        for (const rule of RULES) {
          const want = expected(obs, mons, self, rule.metric, now - (rule.window === '2m' ? 120_000 : 300_000), lagging);
          if (want === undefined) continue;
          const value = pending.find((a) => a.ruleId === rule.id)?.value ?? 0;
          expect(value, where(`rule ${rule.id}`)).toBeCloseTo(rule.aggregation === 'count' ? want.count : want.sum, 6);
        }
      }
    };

    try {
      await start(`gfuzz-${ids++}`);
      for (let step = 0; step < STEPS; step++) {
        const r = rand();
        const mon = pick(live);
        if (r < 0.3) {
          const n = 1 + Math.floor(rand() * 4);
          for (let i = 0; i < n; i++) {
            const route = pick(ROUTES);
            const kind = rand();
            if (kind > 0.92) {
              // Late: a time in an older slot than the open one (up to 10 slots back).
              const t = mon.slot - 1 - Math.floor(rand() * 10 * SLOT);
              const v = 1 + Math.floor(rand() * 100);
              mon.monitor.recordMetric({ metricType: L, value: v, unit: 'ms', tags: { route }, timestamp: t });
              const start = Math.floor(t / SLOT) * SLOT;
              obs.push({ m: mon.serial, name: L, route, v, start, end: start + SLOT, seq: lateSeq-- });
            } else if (kind < 0.2) {
              const v = Math.floor(rand() * 50);
              mon.monitor.gauge({ name: G, labelNames: ['route'] }).set(v, { route });
              obs.push({ m: mon.serial, name: G, route, v, start: mon.slot, end: undefined, seq: mon.seq });
              mon.gauges.set(route, { value: v, set: true });
              mon.heldGauges.delete(route);
            } else if (kind < 0.65) {
              const v = Math.round(Math.exp(-2 + 1.5 * rand()) * 1e4) / 1e4;
              mon.monitor.histogram({ name: H, labelNames: ['route'], unit: 'seconds' }).observe(v, { route });
              obs.push({ m: mon.serial, name: H, route, v, start: mon.slot, end: undefined, seq: mon.seq });
            } else {
              const v = 1 + Math.floor(rand() * 5);
              mon.monitor.counter({ name: C, labelNames: ['route'] }).inc(v, { route });
              obs.push({ m: mon.serial, name: C, route, v, start: mon.slot, end: undefined, seq: mon.seq });
            }
          }
          log.push(`record ${n} on ${mon.serial}`);
        } else if (r < 0.55) {
          const now = clock.now();
          const next = (Math.floor(now / SLOT) + 1) * SLOT;
          const ms = pick([0, 1_000, Math.floor(rand() * SLOT), next - now, next - now, next - now + SLOT, 3 * SLOT + 5_000, 11 * SLOT]);
          await clock.advanceAsync(ms);
          // The slot timers close every live monitor's slot at each boundary passed (one already closed at that instant is skipped).
          for (let b = next; b <= now + ms; b += SLOT) for (const m of live) if (b > m.slot) close(m, b);
          log.push(`advance ${ms} to T0+${clock.now() - T0}`);
        } else if (r < 0.7) {
          const twice = rand() < 0.3;
          for (let i = 0; i < (twice ? 2 : 1); i++) {
            close(mon, clock.now());
            await mon.monitor.flush();
          }
          log.push(`flush${twice ? ' twice' : ''} ${mon.serial}`);
        } else if (r < 0.78) {
          const route = pick(ROUTES);
          const which = rand();
          if (which < 0.25) {
            mon.monitor.gauge({ name: G, labelNames: ['route'] }).remove({ route });
            const g = mon.gauges.get(route);
            mon.gauges.delete(route);
            if (g?.set === true) mon.heldGauges.set(route, g);
          } else {
            const metric = which < 0.6 ? mon.monitor.histogram({ name: H, labelNames: ['route'], unit: 'seconds' }) : mon.monitor.counter({ name: C, labelNames: ['route'] });
            metric.remove({ route });
          }
          log.push(`remove ${route} on ${mon.serial}`);
        } else if (r < 0.86) {
          mon.failing = !mon.failing;
          log.push(`${mon.serial} writes ${mon.failing ? 'fail' : 'succeed'}`);
        } else if (r < 0.94) {
          // Close one (its writes succeed, so that close() ends) and start one: the same id or a new one.
          mon.failing = false;
          close(mon, clock.now());
          await mon.monitor.close();
          live.splice(live.indexOf(mon), 1);
          const restart = rand() < 0.6;
          await start(restart ? mon.id : `gfuzz-${ids++}`);
          log.push(`${restart ? 'restart' : 'replace'} ${mon.serial} as ${serial}`);
        } else if (live.length < 3) {
          await start(`gfuzz-${ids++}`);
          log.push(`add ${serial}`);
        }
        await check(step);
      }
    } finally {
      for (const m of live) {
        m.failing = false;
        await m.monitor.close();
      }
      await reader.close();
      await storage.close();
      await cleanup();
    }
  });
});
