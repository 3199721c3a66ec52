import type { Clock } from '../core/clock.js';
import type { Rollup } from '../storage/contract.js';
import type { RollupStamps } from '../storage/instance.js';
import type { HdrCodec } from './hdr-codec.js';
import type { DecodedHistograms } from './window-query-decode.js';
import type { SeriesBounds } from './series-index.js';

/**
 * What metrics share with the monitor that owns them. Internal: metrics reach the clock, the
 * current slot and the error reporting through it, never through globals.
 */
export interface MetricContext {
  readonly clock: Clock;
  readonly strict: boolean;
  /** Start (ms) of the slot being recorded into. */
  slotStart: number;
  readonly slotLength: number;
  readonly slotCount: number;
  readonly seriesLimit: number;
  /** The monitor's total series budget and the size bounds of one label set (`limits`). */
  readonly seriesBounds: SeriesBounds;
  readonly codec: HdrCodec;
  readonly histogramDigits: number;
  /** What window reads need from the monitor beyond its metrics (see window-query.ts). */
  readonly fleet: FleetContext;
  /** A value was rejected: count it, emit `error`, or throw in strict mode. */
  invalidValue(metric: string, value: unknown, reason: string): void;
  /** A new label set was folded into the overflow series (`first`: the metric just reached its limit). */
  seriesFolded(metric: string, limit: number, first: boolean): void;
  /** A label input was refused (`reason`: not an object, a value unusable or reserved, reading it threw). */
  invalidLabels(metric: string, labels: unknown, reason: string): void;
}

/**
 * The monitor's side of fleet-wide reads: which stored rollups are its own, and the rollups it
 * has not written yet. Passed explicitly so that every reader (aggregate, rules, snapshot) tells
 * its own rollups from other instances' the same way.
 */
export interface FleetContext {
  /** What the monitor stamps on its rollups (`ownsSlot` tells its own from other instances'). */
  readonly stamps: RollupStamps;
  /** Rollups accepted and not yet written to storage (their `hdr` encoded). */
  pendingRollups(): readonly Rollup[];
  /** Rollup histograms already decoded, kept between reads (bounded). */
  readonly decoded: DecodedHistograms;
}

/**
 * A rejected value in a form that is safe to put in an error: primitives and real errors as
 * they are, any other object as its `typeof` (a hostile proxy can throw even from `instanceof`).
 */
export function reportable(value: unknown): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return value;
  try {
    return value instanceof Error ? value : typeof value;
  } catch {
    return typeof value;
  }
}
