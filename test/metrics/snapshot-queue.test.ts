/**
 * Snapshots take turns for their chunked work (`SnapshotCache.exclusive`): what a snapshot waits
 * on outside its turn must never hold up the others, and what it holds while it waits must stay
 * small. A store read that never answers is the case that matters: it belongs to the snapshot
 * that made it, never to the queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LimitError } from '../../src/core/errors.js';
import { createMonitor, MemoryStorage, type Monitor, type MonitorSnapshot } from '../../src/index.js';
import { MAX_QUEUED_SNAPSHOTS } from '../../src/metrics/snapshot-queue.js';
import type { SnapshotCache } from '../../src/metrics/snapshot-reader.js';
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

/** A ManualClock that runs `between` at each yield of a snapshot (between two of its chunks). */
class MeddlingClock extends ManualClock {
  between: (() => void) | undefined;
  override yield(): Promise<void> {
    this.between?.();
    return super.yield();
  }
}

/** The monitor's own snapshot cache (internal). */
function cacheOf(monitor: Monitor): SnapshotCache {
  const cache = (monitor as unknown as { parts?: { reads?: { snapshots?: SnapshotCache } } }).parts?.reads?.snapshots;
  if (cache === undefined) throw new Error('the monitor no longer holds its snapshot cache at parts.reads.snapshots: update cacheOf');
  return cache;
}

/** A monitor with one histogram of 50 series on a MeddlingClock; snapshots in chunks of 40 units. */
function setup() {
  const clock = new MeddlingClock(T0);
  const monitor = createMonitor({ clock, storage: new MemoryStorage({ now: () => clock.now() }), logger: false });
  monitors.push(monitor);
  const h = monitor.histogram({ name: 'req_seconds', labelNames: ['route'], unit: 'seconds' });
  for (let i = 0; i < 200; i++) h.observe(0.1, { route: `/r/${i % 50}` });
  // Counted in units alone (no real-time bound): the chunks end at the same places every run.
  Object.assign(cacheOf(monitor), { budget: 40, chunkMs: Number.POSITIVE_INFINITY });
  return { clock, monitor, h };
}

describe('snapshots waiting for their turn', () => {
  it('capture this process\'s memory when their turn comes, not when called: what is recorded while they wait is in them', async () => {
    const { clock, monitor, h } = setup();
    await monitor.snapshot();
    let waiting: Promise<MonitorSnapshot> | undefined;
    let calledAt = 0;
    clock.between = () => {
      if (waiting !== undefined) return;
      calledAt = clock.now();
      // Called during another snapshot's turn: it waits; what comes meanwhile is in it.
      waiting = monitor.snapshot({ names: ['req_seconds'] });
      clock.between = () => {
        clock.advance(100);
        h.observe(5, { route: '/r/late' });
      };
    };
    const first = await monitor.snapshot();
    clock.between = undefined;
    const second = await waiting!;
    expect(first.performance.snapshot[0]!.count).toBe(200);
    expect(Date.parse(second.timestamp)).toBeGreaterThan(calledAt);
    expect(second.performance.snapshot[0]!.count).toBeGreaterThan(200);
    expect(second.performance.snapshot[0]!.max).toBe(5);
  });

  it('with the same filters share one snapshot, whenever they were called, and past the bound other filters are refused with a LimitError', async () => {
    const { clock, monitor } = setup();
    await monitor.snapshot();
    const queue = cacheOf(monitor).queue;
    const calls: Promise<MonitorSnapshot>[] = [];
    const refused: unknown[] = [];
    const tenants: Promise<unknown>[] = [];
    let started = false;
    clock.between = () => {
      if (started) return;
      started = true;
      // Three dashboards polling at different instants, then more tenants than the queue holds.
      for (let i = 0; i < 3; i++) {
        calls.push(monitor.snapshot());
        clock.advance(7);
      }
      for (let i = 0; i <= MAX_QUEUED_SNAPSHOTS; i++) tenants.push(monitor.snapshot({ labels: { route: `/r/${i}` } }).catch((e: unknown) => void refused.push(e)));
    };
    const turns = queue.mark;
    await monitor.snapshot({ names: ['req_seconds'] });
    clock.between = undefined;
    const [a, b, c] = await Promise.all(calls);
    await Promise.all(tenants);
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(b).not.toBe(a);
    // One turn for the first call, one for the dashboards, one per tenant that found room.
    expect(queue.mark - turns).toBe(2 + MAX_QUEUED_SNAPSHOTS - 1);
    expect(refused).toHaveLength(2);
    expect(refused[0]).toBeInstanceOf(LimitError);
    expect((refused[0] as LimitError).limit).toBe('snapshot.maxQueued');
  });
});
