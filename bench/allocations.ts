/**
 * Case 7: bytes allocated per bound `observe()`. Runs in a child with --expose-gc and a large
 * young generation. Allocation = heapUsed right after the loop minus heapUsed right before it
 * (no gc in between), valid only if no GC ran during the loop, so GCs are counted too: with a
 * 64 MiB semi-space, even 7 bytes per call over 10M calls would force a scavenge.
 * Retained = the same difference after a full gc (what the calls left behind).
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { Histogram as PromHistogram } from 'prom-client';
import { LABEL_NAMES, LABEL_SETS, VALUES, VALUE_MASK } from './data.js';
import { settleGc, type GcFn } from './gc.js';
import { consume } from './harness.js';
import { promRegistry, pulsewatchMonitor } from './peers.js';

/** V8 flags the allocation child runs with (see the header). */
export const ALLOCATION_FLAGS = ['--min-semi-space-size=64', '--max-semi-space-size=64'];

export interface AllocationResult {
  library: string;
  calls: number;
  bytesPerCall: number;
  retainedPerCall: number;
  gcsDuringLoop: number;
}

interface Observer {
  observe(value: number): void;
}

// One loop function per call site shape; warm it first so the timed pass runs optimised code
// (unoptimised code boxes doubles on the heap, which would be the harness allocating, not the library).
function loop(target: Observer, calls: number): number {
  let acc = 0;
  for (let i = 0; i < calls; i++) {
    const v = VALUES[i & VALUE_MASK]!;
    target.observe(v);
    acc += v;
  }
  return acc;
}

async function measure(library: string, gc: GcFn, target: Observer, calls: number): Promise<AllocationResult> {
  for (let i = 0; i < 5; i++) consume(loop(target, 200_000));
  let gcs = 0;
  const observer = new PerformanceObserver((list) => {
    gcs += list.getEntries().length;
  });
  await settleGc(gc);
  observer.observe({ entryTypes: ['gc'] });
  const before = process.memoryUsage().heapUsed;
  consume(loop(target, calls));
  const after = process.memoryUsage().heapUsed;
  // GC entries are delivered asynchronously: let them arrive before stopping the observer.
  await new Promise((r) => setTimeout(r, 10));
  const gcsDuringLoop = gcs;
  observer.disconnect();
  await settleGc(gc);
  const retained = process.memoryUsage().heapUsed;
  return { library, calls, bytesPerCall: (after - before) / calls, retainedPerCall: (retained - before) / calls, gcsDuringLoop };
}

/** pulsewatch's bound handle, 10M calls by default. */
export async function pulsewatchAllocations(gc: GcFn, calls: number): Promise<AllocationResult> {
  const monitor = pulsewatchMonitor();
  const bound = monitor.histogram({ name: 'alloc_duration_seconds', help: 'x', labelNames: LABEL_NAMES, unit: 'seconds' }).labels(LABEL_SETS[0]!);
  const r = await measure('pulsewatch', gc, bound, calls);
  await monitor.close();
  return r;
}

/** prom-client's child handle, for reference (and as a check that the method does see allocations). */
export async function promAllocations(gc: GcFn, calls: number): Promise<AllocationResult> {
  const h = new PromHistogram({ name: 'alloc_duration_seconds', help: 'x', labelNames: LABEL_NAMES, registers: [promRegistry()] });
  return measure('prom-client', gc, h.labels(LABEL_SETS[0]!), calls);
}
