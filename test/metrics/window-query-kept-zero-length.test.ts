// A part that ends where it starts (a slot closed the instant it opened: a flush or close() at a
// slot boundary, see rollup-validation.ts) at exactly the range start has
// ended at or before it: a fresh read of the range leaves it out, so the kept series must drop it
// too. `prune` looked only at parts starting before the range start for what had ended.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { KeptRollups } from '../../src/metrics/window-query-kept.js';
import { groupRollups } from '../../src/metrics/window-query-series.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;

function rollup(start: number, end: number, sum: number, instance = 'b'): Rollup {
  return { name: 'x_total', kind: 'counter', labels: { route: '/a' }, start, end, count: 1, sum, min: sum, max: sum, last: sum, instance };
}

describe('KeptRollups with a zero-length part at the range start', () => {
  it('drops it as a fresh read of the range does', async () => {
    let now = T0 + 10 * SLOT;
    const store = new MemoryStorage({ now: () => now });
    const kept = new KeptRollups({ refreshEvery: 10 * 60_000, maxMetrics: 10, maxSeries: 100 });
    const read = (from: number) => store.queryRollups({ name: 'x_total', from });
    const changes = (cursor: string | undefined) => store.readRollupChanges('x_total', cursor);
    const edge = T0 + 4 * SLOT;
    await store.writeRollups([rollup(edge, edge, 2, 'c'), rollup(edge, edge + SLOT, 3)]);
    await kept.series({ name: 'x_total', from: now - 5 * 60_000, now, read, changes, waitingEnd: Infinity });
    // The range now starts at `edge`: the zero-length part there ended (no part starts earlier).
    now = edge + 5 * 60_000;
    await store.writeRollups([rollup(now - SLOT, now, 4)]);
    const from = now - 5 * 60_000;
    const series = await kept.series({ name: 'x_total', from, now, read, changes, waitingEnd: Infinity });
    const fresh = groupRollups(await read(from));
    expect(fresh[0]!.parts.map((p) => p.sum)).toEqual([3, 4]);
    expect(series[0]!.parts.map((p) => p.sum)).toEqual([3, 4]);
  });
});
