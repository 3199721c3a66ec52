/**
 * Case 5: memory per histogram series. Runs in a child started with --expose-gc (see
 * spawn.ts), one library per process, so neither library's garbage or code counts against
 * the other. Cost = (heapUsed + arrayBuffers) after minus before, divided by the series count;
 * arrayBuffers is where typed arrays over V8's 64-byte on-heap limit keep their bytes.
 */
import { Histogram as PromHistogram } from 'prom-client';
import { ManualClock } from '../src/testing.js';
import { LABEL_NAMES, logNormalSeconds, manyLabelSets } from './data.js';
import { discardStorage, pulsewatchMonitor, promRegistry } from './peers.js';
import { consume } from './harness.js';
import { settleGc, type GcFn } from './gc.js';

/** Series per measurement: enough that per-series cost dwarfs heap noise (a few KiB). */
export const MEMORY_SERIES = 2_000;
/** Time slots the observations are spread over: three closed, one open (pulsewatch keeps 10). */
export const MEMORY_SLOTS = 4;

export interface MemoryResult {
  library: string;
  observations: number;
  series: number;
  heapPerSeries: number;
  arrayBuffersPerSeries: number;
  totalPerSeries: number;
}

function usage(): { heap: number; arrayBuffers: number } {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

function result(library: string, observations: number, series: number, before: ReturnType<typeof usage>, after: ReturnType<typeof usage>): MemoryResult {
  const heap = (after.heap - before.heap) / series;
  const arrayBuffers = (after.arrayBuffers - before.arrayBuffers) / series;
  return { library, observations, series, heapPerSeries: heap, arrayBuffersPerSeries: arrayBuffers, totalPerSeries: heap + arrayBuffers };
}

/**
 * pulsewatch: `observations` per series spread over MEMORY_SLOTS slots with a manual clock, so
 * closed slots (kept for windowed percentiles) are counted along with the open one.
 */
export async function pulsewatchMemory(gc: GcFn, observations: number, series = MEMORY_SERIES): Promise<MemoryResult> {
  // Everything that is not per-series state is built before the baseline.
  const labelSets = manyLabelSets(series);
  const values = logNormalSeconds(8192, 7);
  const clock = new ManualClock();
  const monitor = pulsewatchMonitor({ clock, storage: discardStorage });
  const h = monitor.histogram({ name: 'mem_duration_seconds', help: 'x', labelNames: LABEL_NAMES, unit: 'seconds', maxSeries: series });
  const bound: { observe(v: number): void }[] = new Array(series);
  await settleGc(gc);
  const before = usage();

  for (let s = 0; s < series; s++) bound[s] = h.labels(labelSets[s]!);
  const perSlot = Math.ceil(observations / MEMORY_SLOTS);
  let k = 0;
  for (let slot = 0; slot < MEMORY_SLOTS; slot++) {
    for (let s = 0; s < series; s++) {
      const b = bound[s]!;
      for (let i = 0; i < perSlot; i++) b.observe(values[k++ & 8191]!);
    }
    // Closing the slot hands rollups to the recorder; wait until the flush has dropped them.
    if (slot < MEMORY_SLOTS - 1) {
      clock.advance(30_000);
      while (monitor.bufferedRollups > 0) await new Promise((r) => setTimeout(r, 0));
    }
  }
  await settleGc(gc);
  const after = usage();
  if (h.seriesCount !== series) throw new Error(`memory: ${h.seriesCount} series, expected ${series}`);
  consume(bound.length + labelSets.length + values.length);
  await monitor.close();
  return result('pulsewatch', perSlot * MEMORY_SLOTS, series, before, after);
}

/** prom-client: same series and values through child handles (it keeps cumulative buckets only, no windows). */
export async function promMemory(gc: GcFn, observations: number, series = MEMORY_SERIES): Promise<MemoryResult> {
  const labelSets = manyLabelSets(series);
  const values = logNormalSeconds(8192, 7);
  const registry = promRegistry();
  const h = new PromHistogram({ name: 'mem_duration_seconds', help: 'x', labelNames: LABEL_NAMES, registers: [registry] });
  const bound: { observe(v: number): void }[] = new Array(series);
  await settleGc(gc);
  const before = usage();

  for (let s = 0; s < series; s++) bound[s] = h.labels(labelSets[s]!);
  let k = 0;
  for (let s = 0; s < series; s++) {
    const b = bound[s]!;
    for (let i = 0; i < observations; i++) b.observe(values[k++ & 8191]!);
  }
  await settleGc(gc);
  const after = usage();
  consume(bound.length + labelSets.length + values.length + registry.getMetricsAsArray().length);
  return result('prom-client', observations, series, before, after);
}
