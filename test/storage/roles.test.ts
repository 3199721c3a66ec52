/**
 * Storage roles: a store plays any combination of them, each whole. The conformance suite tests
 * the roles an adapter declares (here on stores that play a few of MemoryStorage's), and
 * `withLocalRoles` completes a store with a local one for the roles it does not play.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/core/errors.js';
import { createMonitor } from '../../src/monitor.js';
import { hasRole, OPTIONAL_ROLE_CALLS, partialRoles, ROLE_CALLS, STORAGE_CALLS, STORAGE_ROLES, storageRoles, type PartialStorage, type StorageRole } from '../../src/storage/contract.js';
import { assertStorage, withLocalRoles } from '../../src/storage/local-roles.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { describeStorageAdapter } from '../../src/testing/storage-conformance.js';
import { resolvedAlert } from '../../src/testing/storage-conformance-fixtures.js';

/** A store playing only `roles`, each through `inner`. */
function playing(inner: MemoryStorage, roles: readonly StorageRole[], name = 'partial'): PartialStorage {
  const store: Record<string, unknown> = { name, close: () => inner.close() };
  for (const role of roles) for (const call of ROLE_CALLS[role]) store[call] = (inner[call] as (...a: unknown[]) => unknown).bind(inner);
  return store as unknown as PartialStorage;
}

const api = { describe, it, expect, beforeEach, afterEach };
const clocked = (roles: readonly StorageRole[]) => () => {
  const clock = new ManualClock();
  return { storage: playing(new MemoryStorage({ now: () => clock.now() }), roles), now: () => clock.now(), advance: (ms: number) => clock.advance(ms) };
};

describeStorageAdapter('a store playing rollups and leases only', clocked(['rollups', 'leases']), api, { roles: ['rollups', 'leases'] });
describeStorageAdapter('a store playing alert records, dead letters and purge only', clocked(['alertRecords', 'deadLetters', 'purge']), api, {
  roles: ['alertRecords', 'deadLetters', 'purge'],
});

describe('storage roles', () => {
  it('lists every call once, in the order of STORAGE_CALLS', () => {
    expect(STORAGE_ROLES.flatMap((role) => ROLE_CALLS[role])).toEqual([...STORAGE_CALLS]);
    expect(new Set(STORAGE_CALLS).size).toBe(STORAGE_CALLS.length);
  });

  it('finds the roles a store plays whole, and those it plays in part with what they lack', () => {
    const memory = new MemoryStorage();
    expect(storageRoles(memory)).toEqual(STORAGE_ROLES);
    expect(storageRoles(playing(memory, ['leases', 'rollups']))).toEqual(['rollups', 'leases']);
    expect(storageRoles({ name: 'none', close: async () => {} })).toEqual([]);
    const half = { ...playing(memory, ['rollups']), saveAlert: async () => {}, listRules: async () => [] };
    expect(storageRoles(half)).toEqual(['rollups']);
    expect(partialRoles(half)).toEqual([{ role: 'alertRecords', missing: ['queryAlerts', 'saveRule', 'deleteRule'] }]);
  });

  it('refuses with a ConfigError a store that plays a role in part, or has no name or close()', () => {
    const memory = new MemoryStorage();
    const message = (value: unknown): string => {
      try {
        assertStorage(value);
        return 'accepted';
      } catch (error) {
        expect(isConfigError(error)).toBe(true);
        return (error as Error).message;
      }
    };
    expect(message({ ...playing(memory, ['rollups']), tryAcquire: undefined, saveDeadLetter: async () => {} })).toBe(
      'storage "partial" plays a role only in part: deadLetters (missing listDeadLetters, deleteDeadLetter). Implement every call of a role, or none of them',
    );
    expect(message({ writeRollups: async () => {}, queryRollups: async () => [] })).toBe('storage must have a non-empty name and a close() method');
    expect(message({ name: 'x' })).toBe('storage "x" must have a non-empty name and a close() method');
    expect(message(null)).toBe('storage must be an object, got null');
    expect(message(playing(memory, ['leases']))).toBe('accepted');
  });
});

describe('withLocalRoles', () => {
  it('sends the roles a store plays to it and the others to the local store, and lists those', async () => {
    const clock = new ManualClock();
    const shared = new MemoryStorage({ now: () => clock.now() });
    const local = new MemoryStorage({ now: () => clock.now() });
    const store = withLocalRoles(playing(shared, ['rollups', 'leases'], 'shared'), local);
    expect(store.name).toBe('shared');
    expect(store.localRoles).toEqual(['alertRecords', 'deadLetters', 'jobDeadLetters']);
    const start = clock.now() - 60_000;
    const rollup = { name: 'orders_total', kind: 'counter' as const, labels: {}, start, end: start + 30_000, count: 1, sum: 1, min: 1, max: 1, instance: 'a' };
    await store.writeRollups([rollup]);
    expect(await shared.queryRollups({ name: 'orders_total' })).toEqual([rollup]);
    expect(await local.queryRollups({ name: 'orders_total' })).toEqual([]);
    expect(await store.tryAcquire('k', 1_000)).toBe(true);
    expect(await shared.tryAcquire('k', 1_000)).toBe(false);
    await store.saveRule({ id: 'r', name: 'r', createdAt: 1, updatedAt: 1 });
    expect(await local.listRules()).toHaveLength(1);
    expect(await shared.listRules()).toEqual([]);
    // The shared store plays no purge: only the local one is purged.
    await store.saveAlert(resolvedAlert('old', clock.now() - 1_000));
    expect(await store.purgeBefore(clock.now())).toBe(1);
    expect(await shared.queryRollups({ name: 'orders_total' })).toHaveLength(1);
    // close() closes the local store only: the shared one is its owner's.
    await store.close();
    await expect(local.listRules()).rejects.toThrow('MemoryStorage is closed');
    expect(await shared.queryRollups({ name: 'orders_total' })).toHaveLength(1);
  });

  it('passes readRollupChanges through when the store that keeps rollups has it', async () => {
    const shared = new MemoryStorage();
    const withChanges = { ...playing(shared, ['rollups']), readRollupChanges: shared.readRollupChanges.bind(shared) };
    expect(typeof withLocalRoles(withChanges, new MemoryStorage()).readRollupChanges).toBe('function');
    const none = withLocalRoles(playing(shared, ['rollups']), new MemoryStorage());
    expect(none.readRollupChanges).toBeUndefined();
    expect(withLocalRoles(playing(shared, ['leases']), new MemoryStorage()).localRoles).toEqual(['rollups', 'alertRecords', 'deadLetters', 'jobDeadLetters']);
  });

  it('gives createMonitor a store that plays every role: rollups to the partial store, rules to memory', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const shared = new MemoryStorage({ now: () => clock.now() });
    const storage = withLocalRoles(playing(shared, ['rollups']), new MemoryStorage({ now: () => clock.now() }));
    const monitor = createMonitor({ clock, storage, instanceId: 'web-1' });
    monitor.counter({ name: 'orders_total', help: 'Orders' }).inc();
    await clock.advanceAsync(30_000);
    await monitor.flush();
    expect((await shared.queryRollups({ name: 'orders_total' })).map((r) => [r.sum, r.instance])).toEqual([[1, 'web-1']]);
    await monitor.alerts.createRule({ name: 'many orders', metric: 'orders_total', aggregation: 'sum', window: '5m', condition: 'greater_than', threshold: 10 });
    expect(await shared.listRules()).toEqual([]);
    expect((await storage.listRules()).map((r) => r.name)).toEqual(['many orders']);
    await monitor.close();
    await storage.close();
  });

  it('refuses a store that plays a role in part', () => {
    const store = { ...playing(new MemoryStorage(), ['rollups']), tryAcquire: undefined, listRules: async () => [] };
    expect(() => withLocalRoles(store, new MemoryStorage())).toThrow(/plays a role only in part: alertRecords/);
  });

  it('passes listMetricNames through from the store that keeps rollups', () => {
    const shared = new MemoryStorage();
    const withNames = { ...playing(shared, ['rollups']), listMetricNames: shared.listMetricNames.bind(shared) };
    expect(typeof withLocalRoles(withNames, new MemoryStorage()).listMetricNames).toBe('function');
    expect(withLocalRoles(playing(shared, ['rollups']), new MemoryStorage()).listMetricNames).toBeUndefined();
  });

  it('passes the optional state role through from the given store only, never from the local one', async () => {
    const shared = new MemoryStorage();
    const state = Object.fromEntries(OPTIONAL_ROLE_CALLS.state.map((call) => [call, (shared[call] as (...a: unknown[]) => unknown).bind(shared)]));
    const completed = withLocalRoles({ ...playing(shared, ['rollups']), ...state }, new MemoryStorage());
    expect(hasRole(completed, 'state')).toBe(true);
    expect(await completed.putStateIfAbsent!('k', 1)).toBe(true);
    expect((await shared.readState('k')).map((e) => e.value)).toEqual([1]);
    expect(hasRole(withLocalRoles(playing(shared, ['rollups']), new MemoryStorage()), 'state')).toBe(false);
    // Not a role of storageRoles (StorageAdapter does not require it), and whole or not at all.
    expect(storageRoles(shared)).toEqual(STORAGE_ROLES);
    expect(partialRoles({ ...playing(shared, ['rollups']), readState: state.readState })).toEqual([{ role: 'state', missing: ['putStateIfAbsent', 'deleteState'] }]);
    expect(() => assertStorage({ ...playing(shared, ['rollups']), putStateIfAbsent: state.putStateIfAbsent })).toThrow(/state \(missing readState, deleteState\)/);
  });
});
