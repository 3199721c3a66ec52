// A RedisStorage's change log is read for the rule engine with one frozen labels object per
// series (storage/shared-changes.ts, metrics/snapshot-store-reads.ts), so that its kept series
// find rollups by identity as they do a MemoryStorage's. The rollups must be the ones
// `readRollupChanges` gives, their labels immutable and stable; a subclass that reads the log its
// own way is read through it; errors are the ones `WindowQuery` gives; and the kept series built
// from the shared reads must hold, tick after tick, what the copying reads and a fresh read hold.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisStorage } from '../../src/redis.js';
import type { Rollup, RollupChanges } from '../../src/storage/contract.js';
import { storeReads } from '../../src/metrics/snapshot-store-reads.js';
import { KeptRollups } from '../../src/metrics/window-query-kept.js';
import { groupRollups, type StoredSeries } from '../../src/metrics/window-query-series.js';
import { deleteUnder, inspector, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis-env.js';
import { random } from '../helpers/random.js';

const up = await redisAvailable('RedisStorage shared change reads');
const SLOT = 30_000;
const WINDOW = 10 * SLOT;
const NAME = 'x_total';

function counter(start: number, labels: Record<string, string>, sum: number, instance: string | undefined = 'a'): Rollup {
  return { name: NAME, kind: 'counter', labels, start, end: start + SLOT, count: 1, sum, min: 0, max: sum, last: sum * 2, instance, service: 'svc' };
}

/** Series as sorted rows, every field a part keeps. */
function rows(series: readonly StoredSeries[]): string[] {
  const out: string[] = [];
  for (const s of series) {
    const key = JSON.stringify(Object.entries(s.labels).sort());
    for (const p of s.parts) out.push(`${key} ${p.kind} ${p.start} ${p.end} ${p.instance ?? '-'} ${p.count} ${p.sum} ${p.min} ${p.max} ${p.last} ${p.hdr} ${p.resolution}`);
  }
  return out.sort();
}

describe.skipIf(!up)('RedisStorage: shared change log reads', () => {
  const admin = inspector();
  const prefixes: string[] = [];
  const stores: RedisStorage[] = [];
  let now = Math.floor(Date.now() / SLOT) * SLOT;
  const make = (Kind: typeof RedisStorage = RedisStorage): RedisStorage => {
    const keyPrefix = uniquePrefix();
    prefixes.push(keyPrefix);
    const storage = new Kind({ url: REDIS_URL, keyPrefix, retention: '1d', now: () => now });
    stores.push(storage);
    return storage;
  };
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const p of prefixes.splice(0)) await deleteUnder(admin, p);
  });
  afterAll(() => admin.disconnect());

  it("gives readRollupChanges' rollups, with one frozen labels object per series at every read", async () => {
    const storage = make();
    const reads = storeReads(storage, NAME)!;
    expect(reads).toBeDefined();
    const cursor = (await storage.readRollupChanges(NAME, undefined)).cursor;
    await storage.writeRollups([counter(now, { route: '/a' }, 1), counter(now, { route: '/b', code: '500' }, 2, undefined)]);
    await storage.writeRollups([counter(now + SLOT, { route: '/a' }, 3), counter(now + SLOT, { code: '500', route: '/b' }, 4)]);
    const copied = await storage.readRollupChanges(NAME, cursor);
    const shared = await reads.changes!(cursor);
    expect(shared).toEqual(copied);
    expect(shared.rollups).toHaveLength(4);
    for (const r of shared.rollups) expect(Object.isFrozen(r.labels)).toBe(true);
    for (const r of copied.rollups) expect(Object.isFrozen(r.labels)).toBe(false);
    // Read again: the same objects; a series' two rollups share one.
    const again = await reads.changes!(cursor);
    expect(again.rollups.map((r) => r.labels)).toEqual(shared.rollups.map((r) => r.labels));
    again.rollups.forEach((r, i) => expect(r.labels).toBe(shared.rollups[i]!.labels));
    expect(shared.rollups[2]!.labels).toBe(shared.rollups[0]!.labels);
    expect(copied.rollups[2]!.labels).not.toBe(copied.rollups[0]!.labels);
    expect(() => {
      'use strict';
      (shared.rollups[0]!.labels as Record<string, string>).route = '/x';
    }).toThrow(TypeError);
    // The range read is queryRollups'.
    expect(await reads.read(now - WINDOW)).toEqual(await storage.queryRollups({ name: NAME, from: now - WINDOW }));
  });

  it("is not taken when a subclass reads the change log its own way, and fails as WindowQuery's reads fail", async () => {
    class Mine extends RedisStorage {
      override readRollupChanges(name: string, cursor: string | undefined): Promise<RollupChanges> {
        return super.readRollupChanges(name, cursor);
      }
    }
    expect(storeReads(make(Mine), NAME)).toBeUndefined();
    const closed = make();
    const reads = storeReads(closed, NAME)!;
    await closed.close();
    await expect(reads.changes!(undefined)).rejects.toMatchObject({ code: 'ERR_PULSEWATCH_STORAGE', message: `reading the rollups of "${NAME}" written since the last read from "redis" storage failed` });
    await expect(reads.read(now)).rejects.toMatchObject({ code: 'ERR_PULSEWATCH_STORAGE', message: `reading rollups of "${NAME}" from "redis" storage failed` });
  });

  it('keeps the same series tick after tick as the copying reads and a fresh read', async () => {
    let checks = 0;
    /** Complete change log answers with rollups, read by the shared kept series (not only full reads). */
    let applied = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const storage = make();
      const rnd = random(seed);
      const reads = storeReads(storage, NAME)!;
      const options = { refreshEvery: 5 * 60_000, maxMetrics: 10, maxSeries: 1_000 };
      const shared = new KeptRollups(options);
      const copying = new KeptRollups(options);
      const routes = Array.from({ length: 12 }, (_, i) => `/r${i}`);
      const written: Rollup[] = [];
      for (let step = 0; step < 30; step++) {
        const batch: Rollup[] = [];
        const current = Math.floor(now / SLOT) * SLOT - SLOT;
        for (let i = Math.floor(rnd() * 8); i > 0; i--) {
          const late = rnd() < 0.15;
          const start = late ? current - Math.floor(rnd() * 12) * SLOT : current - (rnd() < 0.3 ? SLOT : 0);
          const route = routes[(Math.floor(now / (4 * SLOT)) + Math.floor(rnd() * 4)) % routes.length]!;
          // Label sets written in two key orders: two lines' JSON for one series.
          const labels: Record<string, string> = rnd() < 0.3 ? (rnd() < 0.5 ? { route, status: '500' } : { status: '500', route }) : { route };
          const again = rnd() < 0.2 ? written[Math.floor(rnd() * written.length)] : undefined;
          if (again?.instance !== undefined) batch.push({ ...again, sum: again.sum + 1 });
          else batch.push(counter(start, labels, Math.floor(rnd() * 400) / 4, rnd() < 0.1 ? undefined : ['a', 'b', 'c'][Math.floor(rnd() * 3)]));
        }
        if (batch.length > 0) {
          await storage.writeRollups(batch);
          written.push(...batch);
        }
        now += rnd() < 0.08 ? 3 * 60_000 : 15_000;
        const from = now - WINDOW;
        const changes = async (c: string | undefined): Promise<RollupChanges> => {
          const answer = await reads.changes!(c);
          if (answer.complete && answer.rollups.length > 0) applied++;
          return answer;
        };
        const a = await shared.series({ name: NAME, from, now, read: reads.read, changes, waitingEnd: Infinity });
        const b = await copying.series({
          name: NAME,
          from,
          now,
          read: (since) => storage.queryRollups({ name: NAME, from: since }),
          changes: (c) => storage.readRollupChanges(NAME, c),
          waitingEnd: Infinity,
        });
        const fresh = groupRollups(await storage.queryRollups({ name: NAME, from }));
        expect(rows(a), `seed ${seed}, step ${step}`).toEqual(rows(b));
        expect(rows(a), `seed ${seed}, step ${step}: fresh`).toEqual(rows(fresh));
        expect(a.map((s) => s.key).sort()).toEqual(b.map((s) => s.key).sort());
        checks++;
      }
    }
    expect(checks).toBe(6 * 30);
    expect(applied).toBeGreaterThan(6 * 10);
  });
});
