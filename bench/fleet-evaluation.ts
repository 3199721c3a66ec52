/**
 * Fleet-wide rule evaluation (issue 15): 1,000 rules over 10,000 histogram series split across
 * 3 instances that share one store, timed on the evaluating instance.
 *
 * Method (fixed before the first run):
 * - 3 monitors (A, B, C) of one service on one ManualClock (starting at the current hour) and
 *   one store following that clock where it can: the in-process
 *   `MemoryStorage` (what evaluation itself costs) and the real Redis (the same plus reading the
 *   other instances' rollups over the network). Default slots (30 s) and flush interval (30 s).
 * - `http_request_duration_seconds{route,status,method}`: 1,000 routes x 5 statuses x 2 methods
 *   = 10,000 series; series i is recorded on instance i % 3 only (each instance holds a third in
 *   memory, the other two thirds reach it through the store).
 * - Steady state: ten 30 s slots of 3 observations per series on every instance before
 *   measuring, so every ring is full and the store holds 5 minutes of every instance's rollups.
 * - The 1,000 rules of bench/alerts.ts (one route each, 10 series; p95, avg, errorRate, rate,
 *   p99 over 5 m), declared once, evaluated through the shared-evaluation lease: A evaluates,
 *   B and C follow.
 * - 15 ticks of 15 s, with fresh observations on all three between ticks; the first 3 ticks are
 *   warm-up; median and p95 of A's `evaluate()` wall time (ms) over the other 12, and the
 *   median of a follower's tick.
 * - Added 2026-12-07 (helper P), the method otherwise unchanged: the median CPU time of A's
 *   ticks (`process.cpuUsage`, user + system, the whole process: GC threads included), which a
 *   shared machine inflates less than wall time, and the load average before each store's run.
 */
import { loadavg } from 'node:os';
import { MemoryStorage, type StorageAdapter } from '../src/index.js';
import { startBenchFleet } from './fleet-setup.js';
import { ManualClock } from '../src/testing.js';
import type { Section, Target } from './report.js';
import { deletePrefix } from './storage-redis.js';

const TICKS = 15;
const WARMUP = 3;

export interface FleetTimes {
  median: number;
  /** Median CPU time (ms) of the measured ticks. */
  cpuMedian: number;
  p95: number;
  followerMedian: number;
  firing: number;
  series: number;
}

/** The bench's clock: now, to the hour, so that a store keeping data by its own clock (Redis) keeps it. */
export function benchClock(): ManualClock {
  return new ManualClock(Math.floor(Date.now() / 3_600_000) * 3_600_000);
}

/** Called around the evaluating instance's `evaluate()` of tick `t` (the profiling scripts count store calls there); not timed apart. */
export interface TickHooks {
  before?(t: number): void;
  after?(t: number): void;
}

/** The bench's method on one store: the fleet's steady ticks, timed on the evaluating instance. */
export async function measure(storage: StorageAdapter, clock: ManualClock, hooks: TickHooks = {}): Promise<FleetTimes> {
  const { monitors, fill, series } = await startBenchFleet(storage, clock);
  const times: number[] = [];
  const cpus: number[] = [];
  const followers: number[] = [];
  let firing = 0;
  for (let t = 0; t < TICKS; t++) {
    fill();
    await clock.advanceAsync(15_000);
    // Each instance flushes on its own timer; between ticks half of them have written the closed slot.
    const cpu = process.cpuUsage();
    const start = performance.now();
    hooks.before?.(t);
    const result = await monitors[0]!.alerts.evaluate();
    hooks.after?.(t);
    times.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    cpus.push((used.user + used.system) / 1000);
    if (!result.evaluated) throw new Error('the measured instance did not hold the evaluation lease');
    firing = result.firing;
    const f = performance.now();
    const followed = await monitors[1]!.alerts.evaluate();
    followers.push(performance.now() - f);
    if (followed.evaluated) throw new Error('a follower evaluated');
    await monitors[2]!.alerts.evaluate();
  }
  for (const m of monitors) await m.close();
  const steady = times.slice(WARMUP).sort((a, b) => a - b);
  const fsteady = followers.slice(WARMUP).sort((a, b) => a - b);
  const csteady = cpus.slice(WARMUP).sort((a, b) => a - b);
  return {
    median: steady[Math.floor(steady.length / 2)]!,
    cpuMedian: csteady[Math.floor(csteady.length / 2)]!,
    p95: steady[Math.min(steady.length - 1, Math.ceil(steady.length * 0.95) - 1)]!,
    followerMedian: fsteady[Math.floor(fsteady.length / 2)]!,
    firing,
    series,
  };
}

export interface FleetEvaluationResult {
  section: Section;
  targets: Target[];
}

/** Runs the fleet evaluation on MemoryStorage and, when reachable, the real Redis. */
export async function fleetEvaluationBench(redisUrl = process.env.PULSEWATCH_REDIS_URL ?? 'redis://127.0.0.1:6379'): Promise<FleetEvaluationResult> {
  const rows: string[][] = [];
  const targets: Target[] = [];
  const ms = (v: number): string => `${v.toFixed(2)} ms`;
  // The store follows the bench's clock: on its own (real) clock, retention would drop the rollups.
  const memoryClock = benchClock();
  const load = (): string => loadavg().map((v) => v.toFixed(2)).join(' / ');
  const memoryLoad = load();
  const memory = await measure(new MemoryStorage({ now: () => memoryClock.now() }), memoryClock);
  rows.push(['MemoryStorage (in process)', String(memory.firing), ms(memory.median), ms(memory.p95), ms(memory.cpuMedian), ms(memory.followerMedian), memoryLoad]);
  targets.push({ name: 'fleet evaluation, 1,000 rules / 10,000 series / 3 instances (MemoryStorage)', measured: ms(memory.median), threshold: '< 20 ms per tick', pass: memory.median < 20 });
  try {
    const { RedisStorage } = await import('../src/redis.js');
    // PULSEWATCH_BENCH_REDIS_PREFIX: a prefix of one's own on a shared Redis (its keys are deleted after).
    const prefix = `${process.env.PULSEWATCH_BENCH_REDIS_PREFIX ?? 'pw-bench-fleet-'}${process.pid}:`;
    const redisClock = benchClock();
    const redisLoad = load();
    const redis = new RedisStorage({ url: redisUrl, keyPrefix: prefix, now: () => redisClock.now() });
    try {
      const r = await measure(redis, redisClock);
      rows.push(['RedisStorage (127.0.0.1)', String(r.firing), ms(r.median), ms(r.p95), ms(r.cpuMedian), ms(r.followerMedian), redisLoad]);
      targets.push({ name: 'fleet evaluation, 1,000 rules / 10,000 series / 3 instances (Redis)', measured: ms(r.median), threshold: '< 20 ms per tick', pass: r.median < 20 });
    } finally {
      await redis.close();
      await deletePrefix(prefix);
    }
  } catch (error) {
    rows.push(['RedisStorage (127.0.0.1)', '-', `not run: ${(error as Error).message}`, '-', '-', '-', '-']);
  }
  return {
    section: {
      title: 'Fleet-wide rule evaluation (3 instances, one store)',
      notes: [
        `${memory.series.toLocaleString('en-US')} histogram series split across 3 instances (each records a third), ten 30 s slots of every instance's data in the store; 1,000 rules (one route each, p95/avg/errorRate/rate/p99 over 5 m).`,
        `One instance evaluates (shared evaluation); median and p95 of its ${TICKS - WARMUP} steady ticks, its median CPU time per tick (user + system, whole process), a follower's median tick (it reads the stored alerts only), and the load average (1 / 5 / 15 min) when the store's run began.`,
      ],
      table: { headers: ['store', 'alerts firing', 'median ms/tick', 'p95 ms/tick', 'median CPU ms/tick', 'follower median', 'load'], rows },
    },
    targets,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await fleetEvaluationBench();
  console.log(JSON.stringify(result, null, 2));
}
