/**
 * The seeded generator the randomized tests share: a failure replays with the same seed, which
 * Math.random() cannot give. The same mulberry32 as bench/data.ts, which the benchmarks keep for
 * themselves (a test does not import a benchmark's module, which builds its data sets on load).
 */

/** A generator of numbers in [0, 1) from `seed` (mulberry32: tiny, fast, the same on every run). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
