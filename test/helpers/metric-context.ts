/**
 * The MetricContext the window-query tests build a registry and a WindowQuery on, without a
 * monitor: strict, on the ManualClock's slot, every report dropped. The window tests
 * (window-query, window-query-ring, window-kept-series, window-query-kept-equivalence,
 * window-query-kept-fleet) each spelled it out; what they vary is an option here.
 */
import { MemoryStorage } from '../../src/index.js';
import type { Rollup } from '../../src/storage/contract.js';
import type { MetricContext } from '../../src/metrics/context.js';
import { HdrCodec } from '../../src/metrics/hdr-codec.js';
import { MetricRegistry } from '../../src/metrics/registry.js';
import { WindowQuery } from '../../src/metrics/window-query.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { createRollupStamps } from '../../src/storage/instance.js';
import type { ManualClock } from '../../src/testing.js';

export interface TestContextOptions {
  /** Slot length (ms). */
  slot: number;
  /** Slots a histogram keeps in memory; 11 unless given. */
  slotCount?: number;
  /** 2 unless given. */
  histogramDigits?: number;
  /** The instance id its rollups are stamped with (undefined: none configured). */
  instanceId?: string | undefined;
  /** Rollups waiting in its recorder (what `fleet.pendingRollups` hands over); none unless given. */
  pending?: readonly Rollup[];
}

/** A context starting at the clock's current slot; reports (invalid values, labels, folds) go nowhere. */
export function testMetricContext(clock: ManualClock, options: TestContextOptions): MetricContext {
  const { slot, pending = [] } = options;
  return {
    clock,
    strict: true,
    slotStart: Math.floor(clock.now() / slot) * slot,
    slotLength: slot,
    slotCount: options.slotCount ?? 11,
    seriesLimit: 1000,
    seriesBounds: { maxLabelSetLength: 2048, maxLabels: 32 },
    codec: new HdrCodec(),
    histogramDigits: options.histogramDigits ?? 2,
    fleet: { stamps: createRollupStamps(options.instanceId, clock.now(), slot), pendingRollups: () => pending, decoded: new DecodedHistograms() },
    invalidValue: () => undefined,
    seriesFolded: () => undefined,
    invalidLabels: () => undefined,
  };
}

/** A window query of a process that defined nothing (every series comes from `storage`). */
export function readerQuery(clock: ManualClock, options: TestContextOptions, storage = new MemoryStorage()): WindowQuery {
  const ctx = testMetricContext(clock, options);
  return new WindowQuery({ registry: new MetricRegistry(ctx), ctx, storage });
}
