import { describe, expect, it } from 'vitest';
import { createMonitor } from '../src/monitor.js';
import { MemoryStorage } from '../src/storage/memory/memory-storage.js';
import type { Rollup } from '../src/storage/contract.js';
import { capturingNotifier } from '../src/testing/capturing-notifier.js';
import { ManualClock } from '../src/testing/manual-clock.js';
import { deferred } from './helpers/deferred.js';
import { delegatingStorage } from './helpers/delegating-storage.js';
import { makeNotification, T0 } from './helpers/notifier-fixtures.js';

/** A store whose writes wait for `gate`, announcing each one on `started`. */
function gatedStore(): { storage: ReturnType<typeof delegatingStorage>; gate: ReturnType<typeof deferred>; started: ReturnType<typeof deferred>; written: Rollup[] } {
  const inner = new MemoryStorage();
  const gate = deferred();
  const started = deferred();
  const written: Rollup[] = [];
  const storage = delegatingStorage(inner, {
    name: 'gated',
    writeRollups: async (rollups, options) => {
      started.resolve();
      await gate.promise;
      written.push(...rollups);
      await inner.writeRollups(rollups, options);
    },
  });
  return { storage, gate, started, written };
}

describe('monitor.idle()', () => {
  it('on a ManualClock, waits for the write the flush timer started, however long it takes', async () => {
    const clock = new ManualClock(T0);
    const store = gatedStore();
    const monitor = createMonitor({ clock, storage: store.storage });
    monitor.counter({ name: 'jobs_total' }).inc();
    clock.advance(30_000); // the slot closes and the flush timer fires: its write waits on the gate
    await store.started.promise;
    const order: string[] = [];
    const idle = monitor.idle().then(() => void order.push('idle'));
    store.gate.resolve(undefined);
    await idle;
    expect(store.written.map((r) => r.name)).toContain('jobs_total');
    expect(order).toEqual(['idle']);
    expect(monitor.bufferedRollups).toBe(0);
    await monitor.close();
  });

  it('on the system clock, waits for the flush the interval started', async () => {
    const store = gatedStore();
    const monitor = createMonitor({ storage: store.storage, flush: { interval: 20 }, histogram: { slotLength: 10 } });
    monitor.counter({ name: 'jobs_total' }).inc();
    // Real time is the subject: the system clock's flush timer fires on its own.
    await store.started.promise;
    const order: string[] = [];
    const idle = monitor.idle().then(() => void order.push('idle'));
    store.gate.resolve(undefined);
    await idle;
    expect(store.written.length).toBeGreaterThan(0);
    expect(order).toEqual(['idle']);
    await monitor.close();
  });

  it('waits for a delivery up to its backoff, and for the retry the backoff timer starts', async () => {
    const clock = new ManualClock(T0);
    const pager = capturingNotifier({ name: 'pager' }).failNext(1);
    const monitor = createMonitor({ clock, notifiers: [pager], notifications: { backoff: { initialDelay: 1_000, jitter: 0 } } });
    monitor.notifications.dispatch(makeNotification(), []);
    await monitor.idle();
    expect(monitor.notifications.status()[0]!.phase).toBe('backoff');
    expect(pager.sent).toHaveLength(0);
    clock.advance(1_000);
    await monitor.idle();
    expect(pager.sent).toHaveLength(1);
    expect(monitor.notifications.status()[0]!.phase).toBe('idle');
    await monitor.close();
  });

  it('resolves at once on a monitor that has not started', async () => {
    const monitor = createMonitor({ clock: new ManualClock(T0) });
    await expect(monitor.idle()).resolves.toBeUndefined();
    await monitor.close();
  });
});
