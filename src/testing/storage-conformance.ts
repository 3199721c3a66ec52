import { ConfigError } from '../core/errors.js';
import { hasRole, partialRoles, STORAGE_ROLES, storageRoles, type StorageAdapter, type StorageRole } from '../storage/contract.js';
import { registerChangeCases } from './storage-conformance-changes.js';
import { registerCompactionCases } from './storage-conformance-compaction.js';
import { registerCompactionEdgeCases } from './storage-conformance-compaction-edges.js';
import { registerDeadLetterCases } from './storage-conformance-dead-letters.js';
import type { Harness } from './storage-conformance-fixtures.js';
import { registerInstanceCases } from './storage-conformance-instances.js';
import { registerLifecycleCases } from './storage-conformance-lifecycle.js';
import { registerNameCases } from './storage-conformance-names.js';
import { registerStateCases } from './storage-conformance-state.js';
import { registerPoisonCases } from './storage-conformance-poison.js';
import { registerRecordCases } from './storage-conformance-records.js';
import { registerRollupCases } from './storage-conformance-rollups.js';

export type { AdapterUnderTest, ConformanceApi } from './storage-conformance-api.js';
import type { AdapterUnderTest, ConformanceApi } from './storage-conformance-api.js';

const API_KEYS = ['describe', 'it', 'expect', 'beforeEach', 'afterEach'] as const;

/** How the adapter under test keeps time. */
export interface ConformanceOptions {
  /**
   * The roles the adapter plays (default: every one). Each is tested; the others are not, and a
   * case checks that the adapter plays exactly these, each whole.
   */
  roles?: readonly StorageRole[];
  /**
   * Lease expiry follows the store server's clock (Redis `SET NX PX`), which a test cannot move:
   * the cases that move time are not registered, and the adapter should test its TTLs itself.
   * Otherwise the factory must return `advance`.
   */
  serverTime?: boolean;
  /**
   * The adapter offers the optional `readRollupChanges` (default: false). Declared, its cases
   * run; a case checks that the adapter has the method exactly when this says so.
   */
  rollupChanges?: boolean;
  /**
   * The adapter offers the optional `listMetricNames` (default: false). Declared, its cases run;
   * a case checks that the adapter has the method exactly when this says so.
   */
  metricNames?: boolean;
  /**
   * The adapter plays the optional `state` role (default: false). Declared, its cases run; a case
   * checks that the adapter plays it exactly when this says so.
   */
  state?: boolean;
  /**
   * The adapter plays the optional `compaction` role (default: false). Declared, its cases run; a
   * case checks that the adapter plays it exactly when this says so.
   */
  compaction?: boolean;
}

/**
 * Registers the StorageAdapter conformance tests for an adapter. `api` defaults to the global
 * describe/it/expect/beforeEach/afterEach (vitest with globals, jest); pass vitest's otherwise.
 *
 * `factory` runs before every test and must return an adapter over an empty store; after the
 * test the suite calls `storage.close()` (ignoring a rejection: the test may have closed it
 * already), then `cleanup`.
 *
 * @example
 * ```ts
 * import { afterEach, beforeEach, describe, expect, it } from 'vitest';
 * import { describeStorageAdapter } from 'pulsewatch/testing';
 *
 * describeStorageAdapter('MyStorage', () => ({ storage: new MyStorage() }), { describe, it, expect, beforeEach, afterEach });
 * ```
 * @throws {ConfigError} without `api` when the test functions are not globals.
 */
export function describeStorageAdapter(
  name: string,
  factory: () => AdapterUnderTest | Promise<AdapterUnderTest>,
  api?: ConformanceApi,
  options: ConformanceOptions = {},
): void {
  const t = api ?? globalApi();
  if (typeof factory !== 'function') throw new ConfigError(`describeStorageAdapter: factory must be a function, got ${typeof factory}`);
  const declared = options.roles ?? STORAGE_ROLES;
  const unknown = declared.filter((role) => !STORAGE_ROLES.includes(role));
  if (unknown.length > 0) throw new ConfigError(`describeStorageAdapter: unknown roles ${unknown.join(', ')}; the roles are ${STORAGE_ROLES.join(', ')}`);
  const roles: ReadonlySet<StorageRole> = new Set(declared);
  let current: AdapterUnderTest | undefined;
  const adapter = (): AdapterUnderTest => {
    if (current === undefined) throw new Error('describeStorageAdapter: no adapter (the factory runs in beforeEach)');
    return current;
  };
  const harness: Harness = {
    t,
    adapter,
    storage: () => adapter().storage as StorageAdapter,
    roles,
    plays: (...wanted) => wanted.every((role) => roles.has(role)),
    now: () => (current?.now ?? Date.now)(),
    serverTime: options.serverTime === true,
  };

  t.describe(`StorageAdapter conformance: ${name}`, () => {
    t.beforeEach(async () => {
      const made = await factory();
      if (typeof made !== 'object' || made === null || typeof made.storage !== 'object' || made.storage === null) {
        throw new ConfigError('describeStorageAdapter: the factory must return { storage, advance?, now?, cleanup? }');
      }
      current = made;
    });
    t.afterEach(async () => {
      const done = current;
      current = undefined;
      if (done === undefined) return;
      try {
        await done.storage.close();
      } catch {
        // Closed by the test already; a second close may reject.
      }
      await done.cleanup?.();
    });
    t.it(`plays exactly the roles it declares (${[...roles].join(', ') || 'none'}), each whole`, () => {
      const storage = adapter().storage;
      t.expect(partialRoles(storage)).toEqual([]);
      t.expect(storageRoles(storage)).toEqual(STORAGE_ROLES.filter((role) => roles.has(role)));
      t.expect(typeof storage.name === 'string' && storage.name !== '' && typeof storage.close === 'function').toBe(true);
    });
    const changes = options.rollupChanges === true;
    t.it(changes ? 'offers readRollupChanges, as declared' : 'has no readRollupChanges, as declared (rollupChanges: true to test one)', () => {
      t.expect(typeof adapter().storage.readRollupChanges === 'function').toBe(changes);
    });
    if (roles.has('rollups') && changes) registerChangeCases(harness);
    const metricNames = options.metricNames === true;
    t.it(metricNames ? 'offers listMetricNames, as declared' : 'has no listMetricNames, as declared (metricNames: true to test one)', () => {
      t.expect(typeof adapter().storage.listMetricNames === 'function').toBe(metricNames);
    });
    if (roles.has('rollups') && metricNames) registerNameCases(harness);
    const state = options.state === true;
    t.it(state ? 'plays the state role, as declared' : 'does not play the state role, as declared (state: true to test it)', () => {
      t.expect(hasRole(adapter().storage, 'state')).toBe(state);
    });
    if (state) registerStateCases(harness);
    const compaction = options.compaction === true;
    t.it(compaction ? 'plays the compaction role, as declared' : 'does not play the compaction role, as declared (compaction: true to test it)', () => {
      t.expect(hasRole(adapter().storage, 'compaction')).toBe(compaction);
    });
    if (roles.has('rollups') && compaction) {
      registerCompactionCases(harness, changes);
      registerCompactionEdgeCases(harness);
    }
    if (roles.has('rollups')) {
      registerRollupCases(harness);
      registerInstanceCases(harness);
      registerPoisonCases(harness);
    }
    if (roles.has('alertRecords')) registerRecordCases(harness);
    registerDeadLetterCases(harness);
    registerLifecycleCases(harness);
  });
}

function globalApi(): ConformanceApi {
  const g = globalThis as Record<string, unknown>;
  const missing = API_KEYS.filter((key) => typeof g[key] !== 'function');
  if (missing.length > 0) {
    throw new ConfigError(
      `describeStorageAdapter: no global ${missing.join(', ')}; pass the test functions as the third argument: ` +
        "describeStorageAdapter(name, factory, { describe, it, expect, beforeEach, afterEach }) with them imported from 'vitest'",
    );
  }
  return Object.fromEntries(API_KEYS.map((key) => [key, g[key]])) as unknown as ConformanceApi;
}
