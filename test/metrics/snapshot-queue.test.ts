/**
 * Snapshots take turns for their chunked work (`SnapshotCache.exclusive`): what a snapshot waits
 * on outside its turn must never hold up the others, and what it holds while it waits must stay
 * small. A store read that never answers is the case that matters: it belongs to the snapshot
 * that made it, never to the queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import type { RollupChanges, RollupQuery, Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

/** A MemoryStorage whose reads of the metrics in `hung` never settle; `reached` resolves at the first such read. */
class HangingStorage extends MemoryStorage {
  readonly hung = new Set<string>();
  private hit: (() => void) | undefined;
  readonly reached = new Promise<void>((resolve) => (this.hit = resolve));
  private hang(): Promise<never> {
    this.hit?.();
    return new Promise<never>(() => undefined);
  }
  override async queryRollups(query: RollupQuery): Promise<Rollup[]> {
    if (this.hung.has(query.name)) return this.hang();
    return super.queryRollups(query);
  }
  override async readRollupChanges(name: string, cursor: string | undefined): Promise<RollupChanges> {
    if (this.hung.has(name)) return this.hang();
    return super.readRollupChanges(name, cursor);
  }
}

describe('a snapshot whose store read never answers', () => {
  it('holds up no later snapshot, with or without filters (the response_time fallback read included)', async () => {
    const clock = new ManualClock(T0);
    const storage = new HangingStorage({ now: () => clock.now() });
    // Neither the request metric nor response_time is defined: the snapshot falls back to reading response_time.
    const monitor = createMonitor({ clock, storage, logger: false });
    monitors.push(monitor);
    const h = monitor.histogram({ name: 'req_seconds', labelNames: ['route'], unit: 'seconds' });
    h.observe(0.2, { route: '/a' });
    expect((await monitor.snapshot()).performance.snapshot).toHaveLength(1);
    storage.hung.add('response_time');
    let stuckSettled = false;
    void monitor.snapshot().finally(() => (stuckSettled = true));
    await storage.reached;
    // The store answers again: later snapshots are made, the one whose read hangs is not.
    storage.hung.clear();
    clock.advance(1_000);
    h.observe(0.4, { route: '/a' });
    const later = await monitor.snapshot();
    expect(later.performance.snapshot[0]!.count).toBe(2);
    const filtered = await monitor.snapshot({ names: ['req_seconds'] });
    expect(filtered.performance.snapshot[0]!.count).toBe(2);
    expect(stuckSettled).toBe(false);
  }, 5_000);
});
