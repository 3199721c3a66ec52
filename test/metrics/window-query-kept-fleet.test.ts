// A window the rule engine builds from its kept series (KeptRollups: columns written in place from
// the change log) must count what a fresh full read counts, with this process's own data in the
// mix: its histogram ring in memory, its own rollups stored (counted from memory, not twice),
// rollups still waiting in its recorder, a restart under the same configured id, other instances
// writing the same and other series, series appearing and disappearing, late rollups, and a store
// that is down for a tick (the next read is a full one).
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import type { MetricContext } from '../../src/metrics/context.js';
import { HdrCodec, materializeRollups } from '../../src/metrics/hdr-codec.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { WindowQuery, type MetricWindow } from '../../src/metrics/window-query.js';
import { KeptRollups } from '../../src/metrics/window-query-kept.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { createRollupStamps } from '../../src/storage/instance.js';
import { random } from '../helpers/random.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;
const WINDOW = 5 * 60_000;
const NAME = 'latency_seconds';

/** One monitor's window sources (as in window-query.test.ts), closing slots as Monitor.closeSlot does. */
function instance(clock: ManualClock, storage: MemoryStorage, instanceId: string) {
  const pending: Rollup[] = [];
  const stamps = createRollupStamps(instanceId, clock.now(), SLOT);
  const ctx: MetricContext = {
    clock,
    strict: true,
    slotStart: Math.floor(clock.now() / SLOT) * SLOT,
    slotLength: SLOT,
    slotCount: 10,
    seriesLimit: 1000,
    seriesBounds: { maxLabelSetLength: 2048, maxLabels: 32 },
    codec: new HdrCodec(),
    histogramDigits: 3,
    fleet: { stamps, pendingRollups: () => pending, decoded: new DecodedHistograms() },
    invalidValue: () => undefined,
    seriesFolded: () => undefined,
    invalidLabels: () => undefined,
  };
  const registry = new MetricRegistry(ctx);
  const h = registry.histogram({ name: NAME, labelNames: ['route'], unit: 'seconds' });
  return {
    h,
    query: new WindowQuery({ registry, ctx, storage }),
    /** Closes the slot ending now: its rollups wait in the recorder. */
    close(): void {
      const at = clock.now();
      const rollups = registry.closeSlot(at);
      const stamp = stamps.slot(ctx.slotStart, at);
      for (const r of rollups) r.instance = stamp;
      ctx.slotStart = at;
      materializeRollups(rollups);
      pending.push(...rollups);
    },
    /** Writes the waiting rollups. */
    async flush(): Promise<void> {
      await storage.writeRollups(pending.splice(0));
    },
  };
}

/** What rules read of a window, per series: totals and percentiles (sums to 12 digits: the order of parts differs). */
function figures(w: MetricWindow): string[] {
  return w.series
    .map((s) => {
      const st = w.stats([s], w.from, w.to, true);
      return `${s.key} ${st.count} ${st.sum.toPrecision(12)} ${st.min} ${st.max} ${st.dist!.percentile(95)} ${st.dist!.percentile(50)}`;
    })
    .sort();
}

async function history(seed: number): Promise<number> {
  const rnd = random(seed);
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  let down = false;
  const read = async (from: number) => {
    if (down) throw new Error('store down');
    return storage.queryRollups({ name: NAME, from });
  };
  const changes = async (cursor: string | undefined) => {
    if (down) throw new Error('store down');
    return storage.readRollupChanges(NAME, cursor);
  };
  const kept = new KeptRollups({ refreshEvery: 5 * 60_000, maxMetrics: 10, maxSeries: 1_000 });
  // 'a' evaluates; 'b' and 'c' write too, 'a' restarts now and then under the same id.
  const all = [instance(clock, storage, 'a'), instance(clock, storage, 'b'), instance(clock, storage, 'c')];
  let checks = 0;
  for (let step = 0; step < 40; step++) {
    const moving = Math.floor(step / 6);
    for (const m of all) {
      for (let i = 0; i < 1 + Math.floor(rnd() * 4); i++) {
        const route = `/r${(moving + Math.floor(rnd() * 4)) % 9}`;
        m.h.labels({ route }).observe(Math.floor(rnd() * 4000) / 1000 + 0.001);
      }
    }
    clock.advance(15_000);
    if (clock.now() % SLOT === 0) for (const m of all) m.close();
    // Each writer flushes on its own: some rollups wait a tick or more (late), 'a''s included.
    for (const m of all) if (rnd() < 0.6) await m.flush();
    if (rnd() < 0.05) {
      await all[0]!.flush();
      all[0] = instance(clock, storage, 'a');
    }
    down = rnd() < 0.08;
    const now = clock.now();
    const request = { name: NAME, from: now - WINDOW, to: now, now };
    const series = await kept.series({ name: NAME, from: request.from, now, read, changes, waitingEnd: Infinity }).catch(() => undefined);
    if (down) {
      expect(series, `seed ${seed}, step ${step}: a store that is down rejects`).toBeUndefined();
      continue;
    }
    const fresh = await all[0]!.query.read(request);
    expect(figures(all[0]!.query.merge(request, series!)), `seed ${seed}, step ${step}`).toEqual(figures(fresh));
    checks++;
  }
  return checks;
}

describe('a window over kept series against a fresh full read, with this process in the fleet', () => {
  it('counts the same data and reads the same percentiles at every tick', async () => {
    let checks = 0;
    for (let seed = 1; seed <= 40; seed++) checks += await history(seed);
    expect(checks).toBeGreaterThan(40 * 40 * 0.8);
  });
});
