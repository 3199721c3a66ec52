/**
 * Stored series kept between reads (the rule engine's StoredRollupCache hands the same objects
 * to every tick): what a window build learns of a series once (its parts' kind and resolution)
 * must not make a later read, over a later range, count what that read should not.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import type { MetricContext } from '../../src/metrics/context.js';
import { HdrCodec } from '../../src/metrics/hdr-codec.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { WindowQuery } from '../../src/metrics/window-query.js';
import { groupRollups } from '../../src/metrics/window-query-series.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { createRollupStamps } from '../../src/storage/instance.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;

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
    fleet: { stamps: createRollupStamps(undefined, clock.now(), SLOT), pendingRollups: () => [], decoded: new DecodedHistograms() },
    invalidValue: () => undefined,
    seriesFolded: () => undefined,
    invalidLabels: () => undefined,
  };
  return new WindowQuery({ registry: new MetricRegistry(ctx), ctx, storage: new MemoryStorage() });
}

function rollup(slot: number, sum: number, extra: Partial<Rollup> = {}): Rollup {
  const start = T0 + slot * SLOT;
  return { name: 'orders_total', kind: 'counter', labels: { route: '/a' }, start, end: start + SLOT, count: 1, sum, min: sum, max: sum, last: sum, instance: 'other', ...extra };
}

describe('a stored series read again at a later range', () => {
  it('leaves out the parts that ended before the later range, though the series object is the same', async () => {
    const clock = new ManualClock(T0 + 10 * SLOT);
    const q = query(clock);
    const stored = groupRollups([rollup(0, 1), rollup(1, 2), rollup(5, 4), rollup(9, 8)]);
    const first = q.merge({ name: 'orders_total', from: T0, to: clock.now() }, stored);
    expect(first.stats(first.series, T0, clock.now(), false).sum).toBe(15);
    clock.advance(3 * SLOT);
    // The same objects, as a cache hands them to the next tick: slots 0 and 1 ended before `from`.
    const from = T0 + 2 * SLOT;
    const later = q.merge({ name: 'orders_total', from, to: clock.now() }, stored);
    expect(later.series).toHaveLength(1);
    expect(later.series[0]!.parts.map((p) => p.sum)).toEqual([4, 8]);
    expect(later.stats(later.series, from, clock.now(), false).sum).toBe(12);
    // A range past every part: the series is not in the window at all.
    const past = q.merge({ name: 'orders_total', from: T0 + 10 * SLOT, to: clock.now() }, stored);
    expect(past.series).toEqual([]);
  });

  it('counts only the parts of the window kind from a series whose parts differ in kind, at every read', async () => {
    const clock = new ManualClock(T0 + 10 * SLOT);
    const q = query(clock);
    // The name was once a gauge (another process, or before a restart); the newest part is a counter.
    const stored = groupRollups([rollup(1, 100, { kind: 'gauge' }), rollup(2, 3), rollup(3, 5)]);
    for (let read = 0; read < 2; read++) {
      const w = q.merge({ name: 'orders_total', from: T0, to: clock.now() }, stored);
      expect(w.kind).toBe('counter');
      expect(w.series[0]!.parts.map((p) => p.sum)).toEqual([3, 5]);
    }
  });

  it('does not count a part a store returned ending before it starts', async () => {
    const clock = new ManualClock(T0 + 10 * SLOT);
    const q = query(clock);
    const start = T0 + 4 * SLOT;
    const stored = groupRollups([rollup(3, 2), rollup(4, 7, { start, end: start - 20 * SLOT })]);
    const from = T0 + 2 * SLOT;
    const w = q.merge({ name: 'orders_total', from, to: clock.now() }, stored);
    expect(w.series[0]!.parts.map((p) => p.sum)).toEqual([2]);
    expect(w.stats(w.series, from, clock.now(), false).sum).toBe(2);
  });
});
