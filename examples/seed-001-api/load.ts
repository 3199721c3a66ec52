// Seed 001's k6 scenario, in-process: virtual users looping over its mix of requests
// (40 % health checks, 30 % profile listings, 15 % profile details, 10 % taxonomy, 5 % readiness)
// for a bounded time. No think time: each user sends its next request when the last one ends.
import { PROFILE_COUNT } from './data.js';

/** Seed 001's scenario weights, in percent. */
export const SCENARIOS: readonly { weight: number; path: () => string }[] = [
  { weight: 40, path: () => '/health' },
  { weight: 30, path: () => `/api/profiles?offset=${20 * randomInt(5)}&limit=20` }, // the first five pages
  { weight: 15, path: () => `/api/profiles/${1 + randomInt(PROFILE_COUNT + 10)}` }, // a few ids do not exist: 404
  { weight: 10, path: () => '/api/taxonomy' },
  { weight: 5, path: () => '/ready' },
];

/** What a load run sent and got back. */
export interface LoadResult {
  requests: number;
  byStatus: Record<string, number>;
  seconds: number;
}

/** Sends the scenario's requests to `base` from `users` virtual users for `durationMs`. */
export async function runLoad(base: string, users: number, durationMs: number): Promise<LoadResult> {
  const started = performance.now();
  const until = Date.now() + durationMs;
  const byStatus: Record<string, number> = {};
  let requests = 0;
  await Promise.all(
    Array.from({ length: users }, async () => {
      while (Date.now() < until) {
        const res = await fetch(`${base}${pick()}`);
        await res.arrayBuffer();
        byStatus[res.status] = (byStatus[res.status] ?? 0) + 1;
        requests++;
      }
    }),
  );
  return { requests, byStatus, seconds: (performance.now() - started) / 1000 };
}

function pick(): string {
  let r = Math.random() * 100;
  for (const s of SCENARIOS) {
    if ((r -= s.weight) < 0) return s.path();
  }
  return SCENARIOS[0]!.path();
}

function randomInt(n: number): number {
  return Math.floor(Math.random() * n);
}
