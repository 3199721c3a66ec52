/**
 * `monitor.jobs` throughput against raw p-queue on the same no-op jobs (issue 17: >= 80 %).
 *
 * Method, fixed before the first result:
 * - the job is `async () => {}` in both; N = 20,000 jobs per run at concurrency 10;
 * - raw: `queue.add(job)` N times on one PQueue, then await every returned promise;
 * - jobs: `jobs.enqueue(type, i)` N times on a runner built as a monitor builds it (system clock,
 *   memory store, every job metric on: attempts, outcomes, wait and run histograms, queue gauges),
 *   then await every handle's `result`;
 * - 3 warm-up runs of each, then 15 measured pairs, alternating which goes first; each run on a
 *   fresh queue / runner; a GC (when exposed) before each run;
 * - reported: median jobs/s of each, the ratio of the medians, and the median of the per-pair
 *   ratios; load average before and after. Run: `node --expose-gc --import tsx bench/jobs.ts`.
 * - also reported (added later, the method above unchanged): the process CPU time per job of each
 *   (process.cpuUsage over the run, user + system, all threads: the garbage collector's helpers
 *   too), median and min/max, which a loaded machine moves less than jobs/s.
 */
import { loadavg } from 'node:os';
import PQueue from 'p-queue';
import { systemClock } from '../src/core/clock.js';
import { DeferredClock } from '../src/core/deferred-clock.js';
import { Diagnostics } from '../src/core/diagnostics.js';
import { parseOptions } from '../src/core/options.js';
import { MetricPipeline } from '../src/metrics/pipeline.js';
import { createCapabilities } from '../src/monitor-capabilities.js';
import type { MonitorEvents } from '../src/monitor-events.js';
import { monitorOptionsSchema } from '../src/monitor-options.js';
import { MemoryStorage } from '../src/storage/memory/memory-storage.js';

const N = 20_000;
const CONCURRENCY = 10;
const WARMUP = 3;
const PAIRS = 15;
const job = async (): Promise<void> => {};
const gc = (globalThis as { gc?: () => void }).gc;

async function raw(): Promise<number> {
  const queue = new PQueue({ concurrency: CONCURRENCY });
  const started = performance.now();
  const results: Promise<unknown>[] = new Array(N);
  for (let i = 0; i < N; i++) results[i] = queue.add(job);
  await Promise.all(results);
  return N / ((performance.now() - started) / 1000);
}

async function runner(): Promise<number> {
  const storage = new MemoryStorage();
  const options = { ...parseOptions(monitorOptionsSchema, { service: 'bench', storage }, 'bench') };
  const reporter = new Diagnostics<MonitorEvents>({ now: () => Date.now(), strict: false, logger: false });
  const timers: DeferredClock = new DeferredClock(systemClock, () => timers.start());
  const pipeline = new MetricPipeline(
    { service: 'bench', instanceId: 'bench', histogram: options.histogram, flush: options.flush, limits: options.limits },
    { clock: timers, storage, reporter, start: () => timers.start() },
  );
  const { jobs } = createCapabilities({ clock: timers, service: 'bench', storage, pipeline, reporter }, options);
  timers.ready();
  jobs.define('noop', job, { concurrency: CONCURRENCY, retries: 0 });
  const started = performance.now();
  const handles: Promise<{ result: Promise<unknown> }>[] = new Array(N);
  for (let i = 0; i < N; i++) handles[i] = jobs.enqueue('noop', i);
  await Promise.all((await Promise.all(handles)).map((h) => h.result));
  const rate = N / ((performance.now() - started) / 1000);
  await jobs.close();
  await pipeline.recorder.close(0);
  timers.close();
  return rate;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** CPU µs per job of each measured run, by side. */
const cpu: { raw: number[]; ours: number[] } = { raw: [], ours: [] };

async function measure(fn: () => Promise<number>, side?: 'raw' | 'ours'): Promise<number> {
  gc?.();
  const before = process.cpuUsage();
  const rate = await fn();
  const used = process.cpuUsage(before);
  if (side !== undefined) cpu[side].push((used.user + used.system) / N);
  return rate;
}

const loadBefore = loadavg().map((l) => l.toFixed(2)).join(' ');
for (let i = 0; i < WARMUP; i++) {
  await measure(raw);
  await measure(runner);
}
const raws: number[] = [];
const ours: number[] = [];
const ratios: number[] = [];
for (let i = 0; i < PAIRS; i++) {
  let r: number;
  let o: number;
  if (i % 2 === 0) {
    r = await measure(raw, 'raw');
    o = await measure(runner, 'ours');
  } else {
    o = await measure(runner, 'ours');
    r = await measure(raw, 'raw');
  }
  raws.push(r);
  ours.push(o);
  ratios.push(o / r);
}
const loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
console.log(`jobs throughput, ${N} no-op jobs at concurrency ${CONCURRENCY}, ${PAIRS} alternating pairs (gc ${gc ? 'on' : 'off'})`);
console.log(`raw p-queue   median ${fmt(median(raws))} jobs/s  (min ${fmt(Math.min(...raws))}, max ${fmt(Math.max(...raws))})`);
console.log(`monitor.jobs  median ${fmt(median(ours))} jobs/s  (min ${fmt(Math.min(...ours))}, max ${fmt(Math.max(...ours))})`);
console.log(`ratio of medians ${(median(ours) / median(raws)).toFixed(3)}; median of pair ratios ${median(ratios).toFixed(3)} (goal >= 0.80: ${median(ratios) >= 0.8 ? 'PASS' : 'FAIL'})`);
const us = (xs: number[]): string => `${median(xs).toFixed(2)} µs (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`;
console.log(`CPU per job: raw p-queue ${us(cpu.raw)}; monitor.jobs ${us(cpu.ours)}; ratio of medians (raw / ours) ${(median(cpu.raw) / median(cpu.ours)).toFixed(3)}`);
console.log(`load average before: ${loadBefore}; after: ${loadAfter}`);
