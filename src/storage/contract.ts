/**
 * The storage contract: the data a store keeps (rollup.ts, records.ts) and the roles it plays
 * (roles.ts), in any combination. Other layers import it from here.
 */
import { ROLE_CALLS } from './roles.js';

export type { CallOptions } from './roles.js';
export type { MetricKind, MetricNameQuery, Rollup, RollupChanges, RollupQuery, StoredMetricName } from './rollup.js';
export type {
  AlertRecordStore,
  CompactionStore,
  DeadLetterStore,
  JobDeadLetterStore,
  LeaseStore,
  OptionalStorageRole,
  StateStore,
  PartialStorage,
  PurgeableStore,
  RollupStore,
  StorageAdapter,
  StorageLifecycle,
  StorageRole,
  StorageRoleMap,
} from './roles.js';
export { hasRole, OPTIONAL_ROLE_CALLS, partialRoles, ROLE_CALLS, STORAGE_ROLES, storageRoles } from './roles.js';
export type { ReadStateOptions, StateEntry } from './state.js';
export type { CompactionRequest, CompactionResult } from './compaction.js';
export { COMPACTED_INSTANCE } from './compaction.js';

/**
 * Every call of every role (`close` and the optional `readRollupChanges` aside), in the
 * contract's order: what a store playing every role answers.
 */
export const STORAGE_CALLS = [
  ...ROLE_CALLS.rollups,
  ...ROLE_CALLS.leases,
  ...ROLE_CALLS.alertRecords,
  ...ROLE_CALLS.deadLetters,
  ...ROLE_CALLS.jobDeadLetters,
  ...ROLE_CALLS.purge,
] as const;
