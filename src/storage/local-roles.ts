import { ConfigError } from '../core/errors.js';
import type { CallOptions } from './roles.js';
import { hasRole, OPTIONAL_ROLE_CALLS, partialRoles, ROLE_CALLS, STORAGE_ROLES, storageRoles, type CompactionStore, type PartialStorage, type StateStore, type StorageAdapter, type StorageRole } from './roles.js';

/** A store playing every role, some of them through a local stand-in (see {@link withLocalRoles}). */
export interface CompletedStorage extends StorageAdapter, Partial<StateStore>, Partial<CompactionStore> {
  /** The roles the given store does not play, served by the local stand-in: kept in this process only. */
  readonly localRoles: readonly StorageRole[];
}

/**
 * Checks that `value` is a store: an object with a `name` and `close()`, playing each role it
 * plays whole. Throws a {@link ConfigError} naming what is missing (a role played in part: a
 * caller that finds `saveAlert` must find `queryAlerts`).
 */
export function assertStorage(value: unknown): asserts value is PartialStorage {
  if (typeof value !== 'object' || value === null) throw new ConfigError(`storage must be an object, got ${value === null ? 'null' : typeof value}`);
  const store = value as Record<string, unknown>;
  const name = typeof store.name === 'string' && store.name !== '' ? store.name : undefined;
  const label = name === undefined ? 'storage' : `storage "${name}"`;
  if (name === undefined || typeof store.close !== 'function') throw new ConfigError(`${label} must have a non-empty name and a close() method`);
  const partial = partialRoles(store);
  if (partial.length > 0) {
    const what = partial.map((p) => `${p.role} (missing ${p.missing.join(', ')})`).join('; ');
    throw new ConfigError(`${label} plays a role only in part: ${what}. Implement every call of a role, or none of them`);
  }
}

/**
 * `store` completed with `local`, a store that plays every role (a `MemoryStorage`): each call of
 * a role `store` plays goes to `store`, each call of another role to `local`, in this process
 * only. A role kept locally works as it does without a shared store: rollups are read back by
 * this process alone, a lease is taken by every instance (each sends its own notifications),
 * alert records, rules and dead letters do not survive a restart. `localRoles` lists them, so
 * the caller can say so once.
 *
 * `purgeBefore` purges both (`store`'s only if it plays `purge`); `close()` closes `local` only:
 * `store` belongs to whoever created it.
 *
 * @throws {ConfigError} when `store` is not a store (see {@link assertStorage}).
 */
export function withLocalRoles(store: PartialStorage, local: StorageAdapter): CompletedStorage {
  assertStorage(store);
  const played = new Set(storageRoles(store));
  const localRoles = STORAGE_ROLES.filter((role) => !played.has(role) && role !== 'purge');
  const target = (role: StorageRole): StorageAdapter => (played.has(role) ? (store as StorageAdapter) : local);
  const completed: Record<string, unknown> = {
    name: store.name,
    localRoles,
    close: () => local.close(),
    purgeBefore: async (timestamp: number, options?: CallOptions) =>
      (played.has('purge') ? await (store as StorageAdapter).purgeBefore(timestamp, options) : 0) + (await local.purgeBefore(timestamp, options)),
  };
  for (const role of STORAGE_ROLES) {
    if (role === 'purge') continue;
    const to = target(role);
    for (const call of ROLE_CALLS[role]) completed[call] = (to[call] as (...args: unknown[]) => unknown).bind(to);
  }
  const rollups = target('rollups');
  if (typeof rollups.readRollupChanges === 'function') completed.readRollupChanges = rollups.readRollupChanges.bind(rollups);
  if (typeof rollups.listMetricNames === 'function') completed.listMetricNames = rollups.listMetricNames.bind(rollups);
  // Compaction goes with the rollups it merges (the local store's when the rollups are kept here).
  if (hasRole(rollups, 'compaction')) completed.compactRollups = rollups.compactRollups.bind(rollups);
  // The optional state role only from the given store, never from `local`: a caller that finds
  // no shared state keeps its fallback (job baselines in a rule record) rather than keep state
  // in this process, lost at a restart.
  if (hasRole(store, 'state')) for (const call of OPTIONAL_ROLE_CALLS.state) completed[call] = (store[call] as (...args: unknown[]) => unknown).bind(store);
  return completed as unknown as CompletedStorage;
}
