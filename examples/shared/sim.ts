// Shared by the seed examples (000 and 002).
// The simulation's parts: a seeded random source (the run is the same every time), log-normal
// durations, and work that takes simulated time on the monitor's ManualClock.
import type { ManualClock } from 'pulsewatch/testing';

/** mulberry32: a small seeded PRNG, so two runs of the example produce the same load. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latencies are log-normal in real services: a median and a long right tail. */
export function logNormal(random: () => number, median: number, sigma: number): number {
  const u = 1 - random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(sigma * normal);
}

/**
 * Work that takes `ms` of simulated time, then settles with `outcome()` (a throw rejects). The
 * timer's callback hands the clock the settled work, so `clock.advanceAsync` waits for the job
 * runner to record it (and start the next job) before time moves on (docs/jobs.md, Testing).
 */
export function work<T>(clock: ManualClock, ms: number, outcome: () => T): Promise<T> {
  let settle!: () => void;
  const done = new Promise<T>((resolve, reject) => {
    settle = () => {
      try {
        resolve(outcome());
      } catch (error) {
        reject(error);
      }
    };
  });
  const quiet = done.then(
    () => undefined,
    () => undefined,
  );
  clock.setTimeout(() => (settle(), quiet), Math.max(1, Math.round(ms)));
  return done;
}
