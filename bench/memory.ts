/**
 * Case 5: memory per histogram series in steady state. Runs in a child started with
 * --expose-gc (see spawn.ts), one library per process, so neither library's garbage or code
 * counts against the other. Cost = (heapUsed + arrayBuffers) after minus before, divided by
 * the series count; arrayBuffers is where typed arrays over V8's 64-byte on-heap limit keep
 * their bytes.
 *
 * Method (fixed 2026-12, issue 16): a series that has run longer than its window holds a full
 * ring of slots, so pulsewatch records `observations` in each of `ring + 4` consecutive slots
 * with the monitor's default ring (`histogram.slots`): every slot of the ring holds data and
 * the ring has wrapped, reusing its slots as a long-running process does. The previous method
 * spread the observations over 4 slots and under-reported a full window about 4.6 times.
 * Both libraries first run the same case on a throwaway instance, so the process's one-off
 * costs (code, engine caches, scratch buffers) are in the baseline, not divided among series.
 */
import { Histogram as PromHistogram } from 'prom-client';
import { ManualClock } from '../src/testing.js';
import { LABEL_NAMES, logNormalSeconds, manyLabelSets, type RequestLabels } from './data.js';
import { discardStorage, pulsewatchMonitor, promRegistry } from './peers.js';
import { consume } from './harness.js';
import { settleGc, type GcFn } from './gc.js';

/** Series per measurement: enough that per-series cost dwarfs heap noise (a few KiB). */
export const MEMORY_SERIES = 2_000;
/** Slots filled beyond the ring's length, so the ring has wrapped and its slots are reused. */
export const MEMORY_EXTRA_SLOTS = 4;

export interface MemoryResult {
  library: string;
  /** pulsewatch: observations in each slot; prom-client: observations per series (it keeps no window). */
  observations: number;
  /** Slots recorded into (pulsewatch), 1 for prom-client. */
  slots: number;
  /** Slots a series keeps (the ring's length), 1 for prom-client. */
  ringSlots: number;
  series: number;
  heapPerSeries: number;
  arrayBuffersPerSeries: number;
  totalPerSeries: number;
}

interface Usage {
  heap: number;
  arrayBuffers: number;
}

function usage(): Usage {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
}

/**
 * The heap at rest: settleGc, then the lowest of five more collections a macrotask apart. A
 * collection after settleGc still freed up to 240 KB now and then (0.5 KiB a series at 500
 * series), on either side of the measurement.
 */
async function restingUsage(gc: GcFn): Promise<Usage> {
  await settleGc(gc);
  let lowest = usage();
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    const u = usage();
    if (u.heap + u.arrayBuffers < lowest.heap + lowest.arrayBuffers) lowest = u;
  }
  return lowest;
}

function result(library: string, shape: Pick<MemoryResult, 'observations' | 'slots' | 'ringSlots' | 'series'>, before: Usage, after: Usage): MemoryResult {
  const per = (a: number, b: number) => (a - b) / shape.series;
  const heap = per(after.heap, before.heap);
  const arrayBuffers = per(after.arrayBuffers, before.arrayBuffers);
  return { library, ...shape, heapPerSeries: heap, arrayBuffersPerSeries: arrayBuffers, totalPerSeries: heap + arrayBuffers };
}

/** Values a slot keeps exactly (RAW_CAPACITY in histogram-slot.ts): the warm-up goes past it. */
const RAW_VALUES = 128;

/**
 * Label sets of the warm-up: as many, but other values, so no string the measured run builds
 * (a series key, an interned property name) exists already and goes uncounted.
 */
function warmUpLabels(labelSets: readonly RequestLabels[]): RequestLabels[] {
  return labelSets.map((l) => ({ ...l, route: `/warm-up${l.route}` }));
}

/**
 * pulsewatch: `observations` in each of `slots` consecutive slots (default: the default ring's
 * length plus {@link MEMORY_EXTRA_SLOTS}) with a manual clock; closed slots (kept for windowed
 * percentiles) are counted along with the open one. Rollups go to a storage that keeps nothing.
 * `warmUp: false` leaves the one-off costs in (the method before 2026-12, for comparison).
 */
export async function pulsewatchMemory(gc: GcFn, observations: number, series = MEMORY_SERIES, slots?: number, warmUp = true): Promise<MemoryResult> {
  // Everything that is not per-series state is built before the baseline: the inputs, and the
  // process's one-off costs (compiled code, V8's number-to-string cache, the slot encoder's
  // scratch buffers), through the same run on a throwaway monitor. Without it they counted as
  // series state: ~0.4 KiB a series at 2,000 series (4.96 KiB a series at 1,000, 4.41 at 4,000).
  const labelSets = manyLabelSets(series);
  const values = logNormalSeconds(8192, 7);
  if (warmUp) await (await record(warmUpLabels(labelSets), values, Math.min(observations, 2 * RAW_VALUES), slots)).done();
  const run = await record(labelSets, values, observations, slots, () => restingUsage(gc));
  const after = await restingUsage(gc);
  await run.done();
  return result('pulsewatch', { observations, slots: run.slots, ringSlots: run.ringSlots, series }, run.before!, after);
}

/**
 * Records the case on a new monitor; `baseline` runs once the monitor and histogram exist,
 * before any series does. The monitor stays open (and its series alive) until `done()`.
 */
async function record(
  labelSets: readonly RequestLabels[],
  values: Float64Array,
  observations: number,
  slots: number | undefined,
  baseline?: () => Promise<Usage>,
): Promise<{ slots: number; ringSlots: number; before: Usage | undefined; done: () => Promise<void> }> {
  const series = labelSets.length;
  const clock = new ManualClock();
  const monitor = pulsewatchMonitor({ clock, storage: discardStorage });
  const { slots: ringSlots, slotLength } = monitor.options.histogram;
  const filled = slots ?? ringSlots + MEMORY_EXTRA_SLOTS;
  const h = monitor.histogram({ name: 'mem_duration_seconds', help: 'x', labelNames: LABEL_NAMES, unit: 'seconds', maxSeries: series });
  const bound: { observe(v: number): void }[] = new Array(series);
  const before = await baseline?.();

  for (let s = 0; s < series; s++) bound[s] = h.labels(labelSets[s]!);
  let k = 0;
  for (let slot = 0; slot < filled; slot++) {
    for (let s = 0; s < series; s++) {
      const b = bound[s]!;
      for (let i = 0; i < observations; i++) b.observe(values[k++ & 8191]!);
    }
    // Closing the slot hands rollups to the recorder; the flush writes (and the store drops) them.
    if (slot < filled - 1) {
      clock.advance(slotLength);
      await monitor.flush();
    }
  }
  if (h.seriesCount !== series) throw new Error(`memory: ${h.seriesCount} series, expected ${series}`);
  if (monitor.bufferedRollups !== 0) throw new Error(`memory: ${monitor.bufferedRollups} rollups still buffered`);
  return {
    slots: filled,
    ringSlots,
    before,
    done: async () => {
      consume(bound.length + values.length);
      await monitor.close();
    },
  };
}

/** prom-client: same series and values through child handles (it keeps cumulative buckets only, no windows), after the same warm-up. */
export async function promMemory(gc: GcFn, observations: number, series = MEMORY_SERIES, warmUp = true): Promise<MemoryResult> {
  const labelSets = manyLabelSets(series);
  const values = logNormalSeconds(8192, 7);
  if (warmUp) promRecord(warmUpLabels(labelSets), values, Math.min(observations, 2 * RAW_VALUES));
  const before = await restingUsage(gc);
  const registry = promRecord(labelSets, values, observations);
  const after = await restingUsage(gc);
  consume(labelSets.length + values.length + registry.getMetricsAsArray().length);
  return result('prom-client', { observations, slots: 1, ringSlots: 1, series }, before, after);
}

function promRecord(labelSets: readonly RequestLabels[], values: Float64Array, observations: number): ReturnType<typeof promRegistry> {
  const registry = promRegistry();
  const h = new PromHistogram({ name: 'mem_duration_seconds', help: 'x', labelNames: LABEL_NAMES, registers: [registry] });
  let k = 0;
  for (const labels of labelSets) {
    const b = h.labels(labels);
    for (let i = 0; i < observations; i++) b.observe(values[k++ & 8191]!);
  }
  return registry;
}
