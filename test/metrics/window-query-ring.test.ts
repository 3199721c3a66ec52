// The rule engine reads this process's histogram rings through a RingCache (each closed slot
// decoded once, kept between ticks): on random recording histories (values of every closed form:
// whole units, a few fractional values, many values, more than a slot keeps exactly; series
// appearing; slots closing between reads, several at once, or none) a window built through the
// cache must count exactly what a window built from the rings as they are counts, percentiles and
// sums bit for bit, at every read; and a decoded slot must give the same values and buckets as
// the slot it stands for, at any scale.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import type { MetricContext } from '../../src/metrics/context.js';
import { HdrCodec, materializeRollups } from '../../src/metrics/hdr-codec.js';
import type { HistogramSlot } from '../../src/metrics/histogram-slot.js';
import { BucketLayout } from '../../src/metrics/log-buckets.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { WindowQuery, type MetricWindow } from '../../src/metrics/window-query.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { DecodedSlot, RingCache } from '../../src/metrics/window-query-ring.js';
import { createRollupStamps } from '../../src/storage/instance.js';
import { random } from '../helpers/random.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;

function instance(clock: ManualClock) {
  const storage = new MemoryStorage({ now: () => clock.now() });
  const pending: Rollup[] = [];
  const stamps = createRollupStamps('self', clock.now(), SLOT);
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
    fleet: { stamps, pendingRollups: () => pending, decoded: new DecodedHistograms() },
    invalidValue: () => undefined,
    seriesFolded: () => undefined,
    invalidLabels: () => undefined,
  };
  const registry = new MetricRegistry(ctx);
  return {
    registry,
    query: new WindowQuery({ registry, ctx, storage }),
    /** Closes the open slot now; its rollups are stored, or wait in the recorder. */
    async close(): Promise<void> {
      const at = clock.now();
      const rollups = registry.closeSlot(at);
      const stamp = stamps.slot(ctx.slotStart, at);
      for (const r of rollups) r.instance = stamp;
      ctx.slotStart = at;
      materializeRollups(rollups);
      await storage.writeRollups(rollups);
    },
  };
}

/** Everything a rule reads of a window, per series and over ranges: exact numbers, no rounding. */
function figures(w: MetricWindow): string[] {
  const out: string[] = [];
  for (const from of [w.from, w.to - 2 * SLOT, w.to - SLOT / 2]) {
    for (const s of w.series) {
      const st = w.stats([s], from, w.to, true);
      const d = st.dist!;
      out.push(`${s.key} ${from} ${st.count} ${st.sum} ${st.min} ${st.max} ${st.lastMean} ${d.count} ${d.min} ${d.max} ${[50, 90, 95, 99, 99.9].map((p) => d.percentile(p)).join(' ')} ${d.fractionAtOrBelow(0.5)}`);
    }
    const all = w.stats(w.series, from, w.to, true);
    out.push(`all ${from} ${all.count} ${all.sum} ${all.min} ${all.max} ${all.lastMean} ${all.dist!.percentile(95)} ${all.dist!.percentile(50)}`);
    const slots: string[] = [];
    w.forEachSlot(w.series, from, w.to, (start, count, sum) => slots.push(`${start} ${count} ${sum}`));
    out.push(slots.join(','));
  }
  return out;
}

/** A slot's values and buckets at a scale and layout, as a distribution reads them. */
function contents(slot: HistogramSlot, layout: BucketLayout, scale: number): string {
  const values: number[] = [];
  slot.forEachValue(scale, (v) => values.push(v));
  const buckets: number[] = [];
  slot.forEachBucket(layout, scale, (i, c) => buckets.push(i, c));
  return `${slot.start} ${slot.count} ${slot.sum} ${slot.min} ${slot.max} ${slot.exact} [${values.join(',')}] [${buckets.join(',')}]`;
}

async function history(seed: number): Promise<number> {
  const rnd = random(seed);
  const clock = new ManualClock(T0);
  const a = instance(clock);
  const h = a.registry.histogram({ name: 'latency_seconds', help: 'x', labelNames: ['route'], unit: 'seconds' });
  const rings = new RingCache();
  const layouts = [new BucketLayout(2), new BucketLayout(3)];
  let checks = 0;
  for (let step = 0; step < 40; step++) {
    const routes = 1 + Math.floor(rnd() * 6);
    for (let r = 0; r < routes; r++) {
      const form = rnd();
      // Whole milliseconds (UNITS), a few fractional values (VALUES), many (BUCKETS), past a slot's exact capacity (counts).
      const n = form < 0.6 ? Math.floor(rnd() * 6) : form < 0.9 ? 9 + Math.floor(rnd() * 40) : 130 + Math.floor(rnd() * 100);
      const whole = rnd() < 0.5;
      for (let i = 0; i < n; i++) h.labels({ route: `/r${r}` }).observe(whole ? Math.floor(rnd() * 2000) / 1000 : rnd() * 2);
    }
    // Between reads: a slot closes, several do, or none (a tick within a slot).
    const closes = rnd() < 0.4 ? 0 : rnd() < 0.8 ? 1 : 2 + Math.floor(rnd() * 3);
    for (let c = 0; c < closes; c++) {
      clock.advance(SLOT);
      await a.close();
    }
    clock.advance(Math.floor(rnd() * SLOT / 2));
    const now = clock.now();
    const request = { name: 'latency_seconds', from: now - 5 * SLOT, to: now, now };
    const stored = (await a.query.read(request)).series.length;
    expect(stored).toBeGreaterThan(0);
    const asIs = a.query.merge(request, [], now);
    const cached = a.query.merge(request, [], now, rings);
    expect(figures(cached), `seed ${seed}, step ${step}`).toEqual(figures(asIs));
    for (const series of h.index.values() as IterableIterator<{ ring: HistogramSlot[]; slot: HistogramSlot }>) {
      const views = rings.slotsOf(series);
      expect(views.length).toBe(series.ring.length);
      for (let i = 0; i < views.length; i++) {
        const view = views[i]!;
        const slot = series.ring[i]!;
        if (slot === series.slot) expect(view).toBe(slot);
        else expect(view).toBeInstanceOf(DecodedSlot);
        for (const layout of layouts) for (const scale of [1000, 100_000]) expect(contents(view, layout, scale)).toBe(contents(slot, layout, scale));
      }
    }
    checks++;
  }
  return checks;
}

describe('RingCache against the rings as they are', () => {
  it('a window read through it counts what one read from the rings counts, and decoded slots equal their slots', async () => {
    let checks = 0;
    for (let seed = 1; seed <= 25; seed++) checks += await history(seed);
    expect(checks).toBe(25 * 40);
  });

  it('decodes a closed slot once and keeps it while the ring holds it', async () => {
    const clock = new ManualClock(T0);
    const a = instance(clock);
    const h = a.registry.histogram({ name: 'latency_seconds', help: 'x', labelNames: ['route'], unit: 'seconds' });
    h.labels({ route: '/a' }).observe(0.25);
    clock.advance(SLOT);
    await a.close();
    h.labels({ route: '/a' }).observe(0.5);
    const series = [...(h.index.values() as IterableIterator<{ ring: HistogramSlot[]; slot: HistogramSlot }>)][0]!;
    const rings = new RingCache();
    const first = [...rings.slotsOf(series)];
    const again = [...rings.slotsOf(series)];
    expect(again).toEqual(first);
    expect(again.filter((s, i) => s === first[i])).toHaveLength(first.length);
    expect(first.filter((s) => s instanceof DecodedSlot)).toHaveLength(1);
    // The next close: the open slot's place holds a new closed slot, decoded anew.
    clock.advance(SLOT);
    await a.close();
    const next = rings.slotsOf(series);
    expect(next.filter((s) => s instanceof DecodedSlot)).toHaveLength(2);
    expect(next.filter((s) => first.includes(s) && s instanceof DecodedSlot)).toHaveLength(1);
  });
});
