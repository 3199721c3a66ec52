// createMonitor takes a store that plays only some storage roles and keeps the others in this
// process itself (withLocalRoles over a MemoryStorage), as docs/storage.md describes.
import { describe, expect, it } from 'vitest';
import { createMonitor, isConfigError, MemoryStorage, type PartialStorage, type StorageAdapter } from '../src/index.js';
import { ROLE_CALLS, type StorageRole } from '../src/storage/contract.js';
import { ManualClock } from '../src/testing.js';

const T0 = Date.UTC(2026, 0, 1);

/** A store playing only `roles`, each through `inner`; counts its close() calls. */
function playing(inner: MemoryStorage, roles: readonly StorageRole[]): PartialStorage & { closes: number } {
  const store: Record<string, unknown> = { name: 'partial', closes: 0 };
  store.close = async () => {
    (store.closes as number)++;
  };
  for (const role of roles) for (const call of ROLE_CALLS[role]) store[call] = (inner[call] as (...a: unknown[]) => unknown).bind(inner);
  return store as unknown as PartialStorage & { closes: number };
}

function configMessage(storage: unknown): string {
  try {
    createMonitor({ storage: storage as StorageAdapter, clock: new ManualClock(T0) });
  } catch (error) {
    expect(isConfigError(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('createMonitor accepted the store');
}

describe('createMonitor with a store that plays only some roles', () => {
  it('writes rollups to the store and keeps the roles it does not play in memory, listed in localRoles', async () => {
    const clock = new ManualClock(T0);
    const shared = new MemoryStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage: playing(shared, ['rollups']), instanceId: 'web-1' });
    expect(monitor.storage.localRoles).toEqual(['leases', 'alertRecords', 'deadLetters', 'jobDeadLetters']);
    monitor.counter({ name: 'orders_total', help: 'Orders' }).inc();
    await clock.advanceAsync(30_000);
    await monitor.flush();
    expect((await shared.queryRollups({ name: 'orders_total' })).map((r) => [r.sum, r.instance])).toEqual([[1, 'web-1']]);
    await monitor.alerts.createRule({ name: 'many orders', metric: 'orders_total', aggregation: 'sum', window: '5m', condition: 'greater_than', threshold: 10 });
    expect(await shared.listRules()).toEqual([]);
    expect((await monitor.storage.listRules()).map((r) => r.name)).toEqual(['many orders']);
    // Window reads go through the store too: the rollup written above is read back.
    expect((await monitor.getAggregatedMetrics({ name: 'orders_total', window: '5m' })).sum).toBe(1);
    await monitor.close();
  });

  it('closes the memory store it added, never the store it was given', async () => {
    const clock = new ManualClock(T0);
    const given = playing(new MemoryStorage({ now: () => clock.now() }), ['leases']);
    const monitor = createMonitor({ clock, storage: given });
    await monitor.close();
    expect(given.closes).toBe(0);
    await expect(monitor.storage.listRules()).rejects.toThrow(/closed/);
    // The role the store plays still answers: only the local part was closed.
    await expect(monitor.storage.tryAcquire('k', 1_000)).resolves.toBe(true);
  });

  it('uses a store that plays every role as it is, and leaves it open at close', async () => {
    const clock = new ManualClock(T0);
    const store = new MemoryStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage: store });
    expect(monitor.storage).toBe(store);
    expect(monitor.storage.localRoles).toBeUndefined();
    await monitor.close();
    await expect(store.listRules()).resolves.toEqual([]);
  });

  it('refuses with a ConfigError naming the option a store that plays a role in part, or is no store', () => {
    const half = { ...playing(new MemoryStorage(), ['rollups']), saveAlert: async () => {} };
    expect(configMessage(half)).toMatch(
      /^invalid monitor options: storage: "partial" plays a role only in part: alertRecords \(missing queryAlerts, saveRule, deleteRule, listRules\)\. Implement every call of a role, or none of them/,
    );
    expect(configMessage({})).toMatch(/^invalid monitor options: storage: must have a non-empty name and a close\(\) method/);
    expect(configMessage('redis://localhost')).toMatch(/^invalid monitor options: storage: must be a store: an object with a name and a close\(\) method, got "redis:\/\/localhost"/);
  });
});
