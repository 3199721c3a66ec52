import type { RollupChanges } from './contract.js';

/**
 * The key of a store's change log read whose rollups carry the store's own frozen label objects,
 * one per series and the same at every read, instead of a copy each (as a `MemoryStorage`'s own
 * reads do, see metrics/snapshot-store-reads.ts): the rule engine's kept series find them by
 * identity, not by a hash and a comparison of their labels (5,000 rollups a tick in the fleet
 * bench). For this package's readers only, which copy what they keep and never write to labels.
 * A symbol, not a method name: no caller of the public API meets it.
 */
export const sharedChanges = Symbol('pulsewatch.sharedChanges');

/** A store with a {@link sharedChanges} read. */
export interface SharedChangesStore {
  /**
   * `readRollupChanges` of `name` with shared labels (its errors the same); undefined when the
   * store's `readRollupChanges` is not its own (a subclass's override must be the one read).
   */
  [sharedChanges](name: string): ((cursor: string | undefined) => Promise<RollupChanges>) | undefined;
}

/** True when `store` offers a {@link sharedChanges} read. */
export function hasSharedChanges(store: object): store is SharedChangesStore {
  return typeof (store as Partial<SharedChangesStore>)[sharedChanges] === 'function';
}
