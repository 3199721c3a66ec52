// The rule engine's StoredRollupCache keeps stored rollups between ticks and applies the store's
// change log to them: on random write histories (late rollups, retried writes, restarts under the
// same configured id, rollups without an instance, gaps longer than the log) what it holds after
// every tick must equal a fresh read of the range, grouped, part for part.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import type { Rollup } from '../../src/storage/contract.js';
import { StoredRollupCache } from '../../src/metrics/window-query-cache.js';
import { groupRollups, type StoredSeries } from '../../src/metrics/window-query-series.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;
const WINDOW = 10 * SLOT;
const T0 = 1_800_000_000_000;
const NAME = 'x_total';
const LATENESS = 2 * SLOT + 60_000;

/** Series as sorted rows: what a window built from them counts. */
function rows(series: readonly StoredSeries[]): string[] {
  const out: string[] = [];
  for (const s of series) {
    const key = JSON.stringify(Object.entries(s.labels).sort());
    for (const p of s.parts) out.push(`${key} ${p.start} ${p.end} ${p.instance ?? '-'} ${p.count} ${p.sum} ${p.min} ${p.max} ${p.last}`);
  }
  return out.sort();
}

async function history(seed: number, withLog: boolean): Promise<number> {
  const rnd = random(seed);
  let now = T0 + 20 * SLOT;
  const store = new MemoryStorage({ now: () => now });
  const cache = new StoredRollupCache({ lateness: LATENESS, refreshEvery: 5 * 60_000, maxMetrics: 10 });
  const read = (from: number) => store.queryRollups({ name: NAME, from });
  const changes = withLog ? (cursor: string | undefined) => store.readRollupChanges(NAME, cursor) : undefined;
  const written: Rollup[] = [];
  const routes = ['/a', '/b', '/c', '/d'];
  const instances = ['a', 'b', 'c', 'a#r2', 'a#r2.late1'];
  const make = (start: number, instance: string | undefined): Rollup => {
    const sum = Math.floor(rnd() * 100) / 4;
    return { name: NAME, kind: 'counter', labels: { route: routes[Math.floor(rnd() * routes.length)]!, ...(rnd() < 0.3 ? { status: '500' } : {}) }, start, end: start + SLOT, count: 1 + Math.floor(rnd() * 3), sum, min: 0, max: sum, last: sum * 10, instance };
  };
  let checks = 0;
  for (let step = 0; step < 40; step++) {
    const batch: Rollup[] = [];
    const current = Math.floor((now - T0) / SLOT) * SLOT + T0 - SLOT;
    const n = Math.floor(rnd() * 6);
    for (let i = 0; i < n; i++) {
      const what = rnd();
      // Without a change log, only writes within the re-read span are promised at the next tick.
      const late = withLog && what < 0.15;
      const start = late ? current - Math.floor(rnd() * 14) * SLOT : current - (rnd() < 0.3 ? SLOT : 0);
      if (what < 0.85 || written.length === 0) batch.push(make(start, rnd() < 0.1 ? undefined : instances[Math.floor(rnd() * instances.length)]));
      // A retried write: the same rollup again, or the same (series, slot, instance) with new
      // numbers. Rollups without an instance are written once: a store keeps a repeated one per
      // write (MemoryStorage, PostgreSQL) where the change log keeps it once (see the note in
      // docs/fleet.md). Without a change log, only a recent slot's rewrite is promised.
      else {
        const retriable = written.filter((r) => r.instance !== undefined && (withLog || r.end > now - LATENESS));
        const again = retriable[Math.floor(rnd() * retriable.length)];
        if (again !== undefined) batch.push(rnd() < 0.5 ? { ...again } : { ...again, sum: again.sum + 1, max: again.max + 1 });
      }
    }
    if (batch.length > 0) {
      await store.writeRollups(batch);
      written.push(...batch);
    }
    // Ticks of 15 s mostly; sometimes a gap past the change log's horizon or the full-read period.
    now += rnd() < 0.08 ? 3 * 60_000 + Math.floor(rnd() * 4 * 60_000) : 15_000;
    const from = now - WINDOW;
    const kept = await cache.series({ name: NAME, from, now, read, changes, waitingEnd: Infinity });
    const fresh = groupRollups(await read(from));
    expect(rows(kept), `seed ${seed}, step ${step}`).toEqual(rows(fresh));
    checks++;
  }
  return checks;
}

describe('StoredRollupCache against a fresh read of the range', () => {
  it('holds what the store holds after every tick, with a change log', async () => {
    let checks = 0;
    for (let seed = 1; seed <= 60; seed++) checks += await history(seed, true);
    expect(checks).toBe(60 * 40);
  });

  it('holds what the store holds after every tick, without a change log (writes within the re-read span)', async () => {
    let checks = 0;
    for (let seed = 1; seed <= 60; seed++) checks += await history(seed, false);
    expect(checks).toBe(60 * 40);
  });
});
