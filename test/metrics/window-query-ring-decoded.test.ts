// A window read through a RingCache whose series also hold other instances' stored rollups with
// histograms: its distributions merge bucket counts, and the closed ring slots' buckets then come
// from the ring view (`ringPairs`), not from the slot objects. On random histories of both
// instances, with slots closing between reads or not, the window through the cache must read
// exactly what the window from the rings as they are reads: totals, percentiles, fractions.
import { describe, expect, it } from 'vitest';
import { type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import type { MetricContext } from '../../src/metrics/context.js';
import { HdrCodec, materializeRollups } from '../../src/metrics/hdr-codec.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { WindowQuery, type MetricWindow } from '../../src/metrics/window-query.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { RingCache } from '../../src/metrics/window-query-ring.js';
import { groupRollups } from '../../src/metrics/window-query-series.js';
import { createRollupStamps } from '../../src/storage/instance.js';
import { MemoryStorage } from '../../src/index.js';
import { random } from '../helpers/random.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;

function instance(id: string, clock: ManualClock) {
  const stamps = createRollupStamps(id, clock.now(), SLOT);
  const ctx: MetricContext = {
    clock,
    strict: true,
    slotStart: Math.floor(clock.now() / SLOT) * SLOT,
    slotLength: SLOT,
    slotCount: 6,
    seriesLimit: 1000,
    seriesBounds: { maxLabelSetLength: 2048, maxLabels: 32 },
    codec: new HdrCodec(),
    histogramDigits: 2,
    fleet: { stamps, pendingRollups: () => [], decoded: new DecodedHistograms() },
    invalidValue: () => undefined,
    seriesFolded: () => undefined,
    invalidLabels: () => undefined,
  };
  const registry = new MetricRegistry(ctx);
  const written: Rollup[] = [];
  return {
    registry,
    written,
    query: new WindowQuery({ registry, ctx, storage: new MemoryStorage() }),
    /** Closes the open slot now; its rollups are kept in `written` (the shared store's). */
    close(): void {
      const at = clock.now();
      const rollups = registry.closeSlot(at);
      const stamp = stamps.slot(ctx.slotStart, at);
      for (const r of rollups) r.instance = stamp;
      ctx.slotStart = at;
      materializeRollups(rollups);
      written.push(...rollups);
    },
  };
}

function figures(w: MetricWindow): string[] {
  const out: string[] = [];
  for (const from of [w.from, w.to - 2 * SLOT, w.to - SLOT / 2]) {
    for (const s of w.series) {
      const st = w.stats([s], from, w.to, true);
      const d = st.dist!;
      out.push(`${s.key} ${from} ${st.count} ${st.sum} ${st.min} ${st.max} ${st.lastMean} ${d.count} ${d.min} ${d.max} ${[50, 90, 95, 99, 99.9].map((p) => d.percentile(p)).join(' ')} ${d.fractionAtOrBelow(0.5)}`);
    }
    const all = w.stats(w.series, from, w.to, true);
    out.push(`all ${from} ${all.count} ${all.sum} ${all.min} ${all.max} ${all.dist!.percentile(95)} ${all.dist!.percentile(50)} ${all.dist!.fractionAtOrBelow(1)}`);
  }
  return out;
}

describe('RingCache with other instances stored histograms', () => {
  it('a window through it reads what a window from the rings reads, distributions merged from buckets', async () => {
    let decoded = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const rnd = random(seed);
      const clock = new ManualClock(T0);
      const self = instance('self', clock);
      const other = instance('other', clock);
      const def = { name: 'latency_seconds', help: 'x', labelNames: ['route'], unit: 'seconds' } as const;
      const hs = [self.registry.histogram(def), other.registry.histogram(def)];
      const rings = new RingCache();
      for (let step = 0; step < 30; step++) {
        for (const h of hs) {
          for (let r = 0; r < 1 + Math.floor(rnd() * 4); r++) {
            const n = rnd() < 0.8 ? Math.floor(rnd() * 6) : 60 + Math.floor(rnd() * 100);
            for (let i = 0; i < n; i++) h.labels({ route: `/r${r}` }).observe(rnd() < 0.5 ? Math.floor(rnd() * 2000) / 1000 : rnd() * 2);
          }
        }
        const closes = rnd() < 0.4 ? 0 : rnd() < 0.8 ? 1 : 2;
        for (let c = 0; c < closes; c++) {
          clock.advance(SLOT);
          self.close();
          other.close();
        }
        clock.advance(Math.floor((rnd() * SLOT) / 2));
        const now = clock.now();
        const request = { name: 'latency_seconds', from: now - 5 * SLOT, to: now, now };
        // The other instance's rollups and this one's, as a store holds them.
        const stored = groupRollups([...self.written, ...other.written].filter((r) => r.end > request.from));
        const asIs = self.query.merge(request, stored, now);
        const cached = self.query.merge(request, stored, now, rings);
        expect(figures(cached), `seed ${seed}, step ${step}`).toEqual(figures(asIs));
        if (other.written.some((r) => r.end > request.from && r.count > 0)) decoded++;
      }
    }
    expect(decoded).toBeGreaterThan(300);
  });
});
