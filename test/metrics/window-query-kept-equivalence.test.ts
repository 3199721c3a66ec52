// The rule engine's KeptRollups keeps one record per stored series between ticks and writes the
// store's change log into them in place: on random write histories (series appearing and
// disappearing, late rollups, retried writes, restarts under the same configured id, rollups
// without an instance, gaps longer than the log, a change log or a store that fails) what it
// holds after every tick must equal a fresh read of the range, grouped, part for part; and a
// window built from it must count what a window built from the fresh read counts.
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import type { Rollup } from '../../src/storage/contract.js';
import { KeptRollups } from '../../src/metrics/window-query-kept.js';
import { groupRollups, type StoredSeries } from '../../src/metrics/window-query-series.js';
import { ManualClock } from '../../src/testing.js';
import type { MetricContext } from '../../src/metrics/context.js';
import { HdrCodec } from '../../src/metrics/hdr-codec.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { WindowQuery, type MetricWindow } from '../../src/metrics/window-query.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { createRollupStamps } from '../../src/storage/instance.js';
import { random } from '../helpers/random.js';

/** A window query of a process that defined nothing (every series comes from the store). */
function query(clock: ManualClock): WindowQuery {
  const ctx: MetricContext = {
    clock,
    strict: true,
    slotStart: Math.floor(clock.now() / SLOT) * SLOT,
    slotLength: SLOT,
    slotCount: 11,
    seriesLimit: 1000,
    seriesBounds: { maxLabelSetLength: 2048, maxLabels: 32 },
    codec: new HdrCodec(),
    histogramDigits: 2,
    fleet: { stamps: createRollupStamps('reader', clock.now(), SLOT), pendingRollups: () => [], decoded: new DecodedHistograms() },
    invalidValue: () => undefined,
    seriesFolded: () => undefined,
    invalidLabels: () => undefined,
  };
  return new WindowQuery({ registry: new MetricRegistry(ctx), ctx, storage: new MemoryStorage() });
}

/** What rules read of a window, per series: totals, the fleet's latest value, the covered time. */
function figures(w: MetricWindow): string[] {
  const histogram = w.kind === 'histogram';
  return w.series
    .map((s) => {
      const st = w.stats([s], w.from, w.to, histogram);
      const p95 = histogram ? ` ${st.dist!.percentile(95)} ${st.dist!.percentile(50)}` : '';
      // The newest slot's mean: which writer's when several wrote it depends on the order parts
      // are held in (a fresh read's is the store's), as it did before the series were kept.
      const newest = Math.max(...s.parts.filter((p) => p.count > 0 && w.covers(p, w.from, w.to)).map((p) => p.start));
      const tied = s.parts.filter((p) => p.count > 0 && p.start === newest).length > 1;
      // Sums to 12 digits: parts summed in another order differ in the last bits.
      return `${s.key} ${st.count} ${st.sum.toPrecision(12)} ${st.min} ${st.max} ${tied ? '(tied)' : st.lastMean.toPrecision(12)} ${w.latest([s], w.from, w.to)}${p95}`;
    })
    .sort();
}

/** Real histogram rollups (with their hdr), written by a monitor: templates for random histories. */
async function histogramPool(): Promise<Rollup[]> {
  const clock = new ManualClock(T0);
  const store = new MemoryStorage({ now: () => clock.now() });
  const m = createMonitor({ clock, storage: store, service: 'pool' });
  const h = m.histogram({ name: 'pool_seconds', labelNames: ['i'], unit: 'seconds' });
  const rnd = random(7);
  for (let slot = 0; slot < 8; slot++) {
    for (let i = 0; i < 5; i++) for (let j = 0; j < 1 + Math.floor(rnd() * 20); j++) h.labels({ i: String(i) }).observe(Math.floor(rnd() * 5000) / 1000);
    await clock.advanceAsync(SLOT);
    await m.flush();
  }
  const out = await store.queryRollups({ name: 'pool_seconds', from: T0 });
  await m.close();
  return out;
}

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

async function history(seed: number, faults: boolean, pool?: readonly Rollup[], own = false): Promise<number> {
  const withLog = true;
  const rnd = random(seed);
  let now = T0 + 20 * SLOT;
  const store = new MemoryStorage({ now: () => now });
  const cache = new KeptRollups({ refreshEvery: 5 * 60_000, maxMetrics: 10, maxSeries: 1_000 });
  let down = false;
  // `own`: the store's own rollups (frozen labels, one object a series), as the rule engine reads a MemoryStorage.
  const fresh = (from: number) => (own ? store.readStoredRollups({ name: NAME, from }) : store.queryRollups({ name: NAME, from }));
  const read = async (from: number) => {
    if (down) throw new Error('store down');
    return fresh(from);
  };
  const changes = async (cursor: string | undefined) => {
    if (down || (faults && rnd() < 0.1)) throw new Error('change log down');
    return own ? store.readStoredChanges(NAME, cursor) : store.readRollupChanges(NAME, cursor);
  };
  const written: Rollup[] = [];
  // Series come and go: each step writes to a few routes of a moving set.
  const routes = Array.from({ length: 12 }, (_, i) => `/r${i}`);
  const instances = ['a', 'b', 'c', 'a#r2', 'a#r2.late1'];
  const make = (start: number, instance: string | undefined): Rollup => {
    const sum = Math.floor(rnd() * 100) / 4;
    if (pool !== undefined) {
      const t = pool[Math.floor(rnd() * pool.length)]!;
      return { ...t, name: NAME, labels: { route: routes[(Math.floor((now - T0) / (4 * SLOT)) + Math.floor(rnd() * 4)) % routes.length]! }, start, end: start + SLOT, instance };
    }
    return { name: NAME, kind: 'counter', labels: { route: routes[(Math.floor((now - T0) / (4 * SLOT)) + Math.floor(rnd() * 4)) % routes.length]!, ...(rnd() < 0.3 ? { status: '500' } : {}) }, start, end: start + SLOT, count: 1 + Math.floor(rnd() * 3), sum, min: 0, max: sum, last: sum * 10, instance };
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
    down = faults && rnd() < 0.1;
    const kept = await cache.series({ name: NAME, from, now, read, changes, waitingEnd: Infinity }).catch(() => undefined);
    if (down) {
      expect(kept, `seed ${seed}, step ${step}: a store that is down rejects`).toBeUndefined();
      continue;
    }
    const full = groupRollups(await fresh(from));
    expect(rows(kept!), `seed ${seed}, step ${step}`).toEqual(rows(full));
    const q = query(new ManualClock(now));
    const request = { name: NAME, from, to: now, now };
    expect(figures(q.merge(request, kept!)), `seed ${seed}, step ${step}: window`).toEqual(figures(q.merge(request, full)));
    checks++;
  }
  return checks;
}

describe('KeptRollups against a fresh read of the range', () => {
  it('holds what the store holds after every tick', async () => {
    let checks = 0;
    for (let seed = 1; seed <= 80; seed++) checks += await history(seed, false);
    expect(checks).toBe(80 * 40);
  });

  it('holds what the store holds after every tick when the change log or the store fails', async () => {
    let checks = 0;
    for (let seed = 1; seed <= 80; seed++) checks += await history(seed, true);
    // About one step in ten has the store down (no check then).
    expect(checks).toBeGreaterThan(80 * 40 * 0.8);
  });

  it("holds what the store holds when reading the store's own rollups (series found by their frozen labels)", async () => {
    let checks = 0;
    for (let seed = 1; seed <= 80; seed++) checks += await history(seed, true, undefined, true);
    expect(checks).toBeGreaterThan(80 * 40 * 0.8);
  });

  it('holds what the store holds for histograms, and a window over it reads the same percentiles', async () => {
    const pool = await histogramPool();
    expect(pool.length).toBeGreaterThan(20);
    expect(pool.every((r) => r.hdr !== undefined)).toBe(true);
    let checks = 0;
    for (let seed = 1; seed <= 30; seed++) checks += await history(seed, true, pool);
    expect(checks).toBeGreaterThan(30 * 40 * 0.8);
  });
});
