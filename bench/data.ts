/**
 * Inputs shared by every contender: a seeded PRNG (so every run and every library sees the
 * same values), log-normal latencies and prebuilt label objects (so no case pays for building
 * labels inside its timed loop).
 */

/** mulberry32: tiny, fast and seedable; Math.random() cannot be seeded, which breaks reruns. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Latency shape of a typical HTTP service: median e^-2.5 = 82 ms, p99 about 0.53 s. */
export const LATENCY_MU = -2.5;
export const LATENCY_SIGMA = 0.8;

/** `count` values of exp(normal(mu, sigma)) in seconds, via Box-Muller on a seeded PRNG. */
export function logNormalSeconds(count: number, seed: number, mu = LATENCY_MU, sigma = LATENCY_SIGMA): Float64Array {
  const rand = mulberry32(seed);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i += 2) {
    // 1 - rand() is in (0, 1], so the log never sees 0.
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const theta = 2 * Math.PI * rand();
    out[i] = Math.exp(mu + sigma * r * Math.cos(theta));
    if (i + 1 < count) out[i + 1] = Math.exp(mu + sigma * r * Math.sin(theta));
  }
  return out;
}

/**
 * Values cycled by the throughput loops. A power-of-two length lets a loop index with `i & MASK`
 * (no modulo, no bounds surprises) while still feeding varied values to every bucket.
 */
export const VALUES = logNormalSeconds(4096, 42);
export const VALUE_MASK = VALUES.length - 1;

/** The label names every labeled case uses. */
export const LABEL_NAMES = ['method', 'route', 'status'] as const;
export type RequestLabel = (typeof LABEL_NAMES)[number];
export type RequestLabels = Readonly<Record<RequestLabel, string>>;

/** About ten label sets, as a real HTTP service would rotate through; built once, reused by every library. */
export const LABEL_SETS: readonly RequestLabels[] = [
  { method: 'GET', route: '/api/users', status: '200' },
  { method: 'GET', route: '/api/users/:id', status: '200' },
  { method: 'GET', route: '/api/users/:id', status: '404' },
  { method: 'POST', route: '/api/users', status: '201' },
  { method: 'GET', route: '/api/orders', status: '200' },
  { method: 'POST', route: '/api/orders', status: '201' },
  { method: 'POST', route: '/api/orders', status: '500' },
  { method: 'GET', route: '/health', status: '200' },
  { method: 'POST', route: '/login', status: '200' },
  { method: 'POST', route: '/login', status: '401' },
];

/** `n` distinct label sets (one route each), for cases that need many series. */
export function manyLabelSets(n: number): RequestLabels[] {
  const methods = ['GET', 'POST', 'PUT', 'DELETE'];
  const statuses = ['200', '201', '404', '500'];
  return Array.from({ length: n }, (_, i) => ({ method: methods[i % 4]!, route: `/api/resource/${i}`, status: statuses[(i >> 2) % 4]! }));
}
