/**
 * `snapshot()` (what the JSON metrics route serves) over 5,000 histogram series (issue 16 item 6).
 *
 * Method (fixed before the first run, 2026-12-06):
 * - One monitor on a ManualClock (at the current hour) and a `MemoryStorage` on that clock;
 *   `http_request_duration_seconds{route,status}`: 1,000 routes x 5 statuses = 5,000 series.
 * - Ten 30 s slots of 3 observations per series, each flushed to the store, before measuring.
 * - 12 calls, each after 3 new observations per series and 5 s on the clock; the first 2 are
 *   warm-up (the first of a process reads the whole window), reported apart. Median of the other
 *   10 of: the call's wall time, and the longest gap between turns of a `setImmediate` chain
 *   running beside it (the longest synchronous block the call causes).
 *
 * Added 2026-12-06 (issue 16 item 6, issue 18 item 4), fixed before their first run:
 * - the same 10 steady calls, each followed by one with the label filter `{ status: '500' }`
 *   (1,000 of the 5,000 series): the median of their wall times, `medianFilteredMs`;
 * - with `--expose-gc`: the heap the snapshots keep (`retainedKiB`): heap used after a full GC
 *   once the last call returned, minus heap used after a full GC before the first call, per series
 *   shown (`retainedBytesPerSeries`). Absent without `--expose-gc`.
 * Added 2026-12-07 (issue 16 item 6, second round), fixed before their first run:
 * - `medianCpuMs`: the median process CPU time (user + system, `process.cpuUsage`) of the same
 *   10 steady calls: less sensitive than wall time to other processes on a shared machine;
 * - `maxMs`, `maxLongestBlockMs`: the slowest of the 10 steady calls and its longest synchronous
 *   block (two of them come right after a slot closed, when every series changed).
 * Added 2026-12-07 (issue 16 item 6, third round: a snapshot split into chunks that yield to the
 * event loop), fixed before their first run; the longest block of each call is measured as above
 * (the longest gap between turns of the `setImmediate` chain running beside the call, which also
 * covers the chain's own turns and any timer the call lets run):
 * - `firstLongestBlockMs`, `firstCpuMs`: the first call's longest block and CPU time;
 * - `secondMs`, `secondLongestBlockMs`: the second warm-up call (it reads the whole window again:
 *   the stored rollups are kept only from a snapshot that comes less than 5 minutes after one);
 * - `afterCloseMs`, `afterCloseLongestBlockMs`, `afterCloseCpuMs`: of the steady calls made right
 *   after a slot closed (since the call before; two of the ten), the slowest one's wall time, the
 *   longest block among them and the most CPU time among them.
 * - `*LongestBlockCpuMs` beside each longest block above (median call, first, second, after a
 *   slot close): the most process CPU time (`process.cpuUsage`, user + system, GC threads
 *   included) spent between two turns of the same `setImmediate` chain. On a loaded machine a
 *   wall-clock gap also counts the time the process waited for a core, which a block of a few
 *   milliseconds of CPU can stretch to a hundred; the CPU figure is the block's own work.
 * - The bench's ManualClock yields as the system clock does (`Clock.yield`: a `setImmediate`
 *   turn; a plain ManualClock resolves it at once, for deterministic tests): a snapshot split into
 *   chunks then lets the event loop turn between them as in production. On a tree without
 *   `Clock.yield` this changes nothing. All figures above are taken with it.
 * Compared back to back (same moment, same machine) against the tree before the change; the
 * machine's load average is reported beside every figure (docs/performance.md).
 *
 * Run: `npx tsx bench/snapshot.ts` (prints JSON), or
 * `node --expose-gc --import tsx bench/snapshot.ts` for the memory figure too.
 */
import { startSnapshotBench } from './snapshot-setup.js';


const CALLS = 12;
const WARMUP = 2;

export interface SnapshotBenchResult {
  series: number;
  firstMs: number;
  medianMs: number;
  medianLongestBlockMs: number;
  medianFilteredMs: number;
  medianCpuMs: number;
  maxMs: number;
  maxLongestBlockMs: number;
  firstLongestBlockMs: number;
  firstCpuMs: number;
  secondMs: number;
  secondLongestBlockMs: number;
  afterCloseMs: number;
  afterCloseLongestBlockMs: number;
  afterCloseCpuMs: number;
  medianLongestBlockCpuMs: number;
  firstLongestBlockCpuMs: number;
  secondLongestBlockCpuMs: number;
  afterCloseLongestBlockCpuMs: number;
  retainedKiB?: number;
  retainedBytesPerSeries?: number;
}

/** Times `snapshot()` over 5,000 series as the header says. */
export async function snapshotBench(): Promise<SnapshotBenchResult> {
  const { clock, monitor, fill, series } = await startSnapshotBench();
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = (): number => {
    gc!();
    gc!();
    return process.memoryUsage().heapUsed;
  };
  const heapBefore = gc === undefined ? 0 : heap();
  const walls: number[] = [];
  const blocks: number[] = [];
  const filtered: number[] = [];
  const cpu: number[] = [];
  const cpuBlocks: number[] = [];
  /** Per call: a slot closed since the call before (the slot length is the default 30 s). */
  const afterClose: boolean[] = [];
  for (let i = 0; i < CALLS; i++) {
    fill();
    const slotBefore = Math.floor(clock.now() / 30_000);
    await clock.advanceAsync(5_000);
    afterClose.push(Math.floor(clock.now() / 30_000) !== slotBefore);
    let longest = 0;
    let last = performance.now();
    let longestCpu = 0;
    let lastCpu = process.cpuUsage();
    let running = true;
    const turn = (): void => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      const used = process.cpuUsage(lastCpu);
      longestCpu = Math.max(longestCpu, (used.user + used.system) / 1000);
      lastCpu = process.cpuUsage();
      if (running) setImmediate(turn);
    };
    setImmediate(turn);
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    await monitor.snapshot();
    walls.push(performance.now() - start);
    const used = process.cpuUsage(cpuStart);
    cpu.push((used.user + used.system) / 1000);
    running = false;
    blocks.push(Math.max(longest, performance.now() - last));
    const tail = process.cpuUsage(lastCpu);
    cpuBlocks.push(Math.max(longestCpu, (tail.user + tail.system) / 1000));
    const at = performance.now();
    // Only the 1,000 series of status 500 (issue 18's tenant filter, by another label here).
    await monitor.snapshot({ labels: { status: '500' } });
    filtered.push(performance.now() - at);
  }
  const retained = gc === undefined ? undefined : heap() - heapBefore;
  await monitor.close();
  const median = (values: number[]): number => {
    const sorted = values.slice(WARMUP).sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  const max = (values: number[]): number => Math.max(...values.slice(WARMUP));
  const closed = (values: number[]): number => Math.max(...values.filter((_, i) => i >= WARMUP && afterClose[i]));
  const result: SnapshotBenchResult = {
    series,
    firstMs: walls[0]!,
    medianMs: median(walls),
    medianLongestBlockMs: median(blocks),
    medianFilteredMs: median(filtered),
    medianCpuMs: median(cpu),
    maxMs: max(walls),
    maxLongestBlockMs: max(blocks),
    firstLongestBlockMs: blocks[0]!,
    firstCpuMs: cpu[0]!,
    secondMs: walls[1]!,
    secondLongestBlockMs: blocks[1]!,
    afterCloseMs: closed(walls),
    afterCloseLongestBlockMs: closed(blocks),
    afterCloseCpuMs: closed(cpu),
    medianLongestBlockCpuMs: median(cpuBlocks),
    firstLongestBlockCpuMs: cpuBlocks[0]!,
    secondLongestBlockCpuMs: cpuBlocks[1]!,
    afterCloseLongestBlockCpuMs: closed(cpuBlocks),
  };
  if (retained !== undefined) {
    result.retainedKiB = Math.round(retained / 1024);
    result.retainedBytesPerSeries = Math.round(retained / series);
  }
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await snapshotBench(), null, 2));
}
