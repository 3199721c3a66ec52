// StoredRollupCache's twin of window-query-kept-zero-length.test.ts: a part that ends where it
// starts (a slot closed the instant it opened) exactly at the range start has ended at or before
// it, so a fresh read leaves it out. The cache's prune (`pruneRows`) looked only at parts starting
// before the range start for what had ended, and kept it.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { StoredRollupCache } from '../../src/metrics/window-query-cache.js';
import { groupRollups } from '../../src/metrics/window-query-series.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;

function rollup(start: number, end: number, sum: number, instance = 'b', route = '/a'): Rollup {
  return { name: 'x_total', kind: 'counter', labels: { route }, start, end, count: 1, sum, min: sum, max: sum, last: sum, instance };
}

describe('StoredRollupCache with a zero-length part at the range start', () => {
  it.each([[true, false], [true, true], [false, false], [false, true]])('drops it as a fresh read of the range does (change log: %s, columns: %s)', async (withChanges, columns) => {
    let now = T0 + 10 * SLOT;
    const store = new MemoryStorage({ now: () => now });
    const cache = new StoredRollupCache({ lateness: 2 * SLOT, refreshEvery: 10 * 60_000, maxMetrics: 10, columns });
    const read = (from: number) => store.queryRollups({ name: 'x_total', from });
    const changes = withChanges ? (cursor: string | undefined) => store.readRollupChanges('x_total', cursor) : undefined;
    const edge = T0 + 4 * SLOT;
    await store.writeRollups([rollup(edge, edge, 2, 'c'), rollup(edge, edge + SLOT, 3)]);
    await cache.series({ name: 'x_total', from: now - 5 * 60_000, now, read, changes, waitingEnd: Infinity });
    // The range now starts at `edge`: the zero-length part there ended (no part starts earlier).
    now = edge + 5 * 60_000;
    // Another series is written: this one's parts are only pruned.
    await store.writeRollups([rollup(now - SLOT, now, 4, 'b', '/b')]);
    const from = now - 5 * 60_000;
    const series = await cache.series({ name: 'x_total', from, now, read, changes, waitingEnd: Infinity });
    const sums = (all: readonly { labels: Record<string, string>; parts: readonly { sum: number }[] }[]) => Object.fromEntries(all.map((s) => [s.labels.route, s.parts.map((p) => p.sum)]));
    expect(sums(groupRollups(await read(from)))).toEqual({ '/a': [3], '/b': [4] });
    expect(sums(series)).toEqual({ '/a': [3], '/b': [4] });
  });
});
