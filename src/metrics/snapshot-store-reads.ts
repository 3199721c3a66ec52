import { StorageError } from '../core/errors.js';
import type { StorageAdapter } from '../storage/contract.js';
import { MemoryStorage } from '../storage/memory/memory-storage.js';
import type { ReadChanges, ReadStored } from './window-query-cache.js';

/** A snapshot's reads of one metric from the store: its range since a time, and its change log. */
export interface StoreReads {
  read: ReadStored;
  changes: ReadChanges | undefined;
}

/**
 * The reads of `name` without the store's copies, when `storage` is a `MemoryStorage` whose
 * reads are its own (not overridden by a subclass): its stored rollups as they are, which a
 * snapshot's rollup cache only reads (it groups them into parts of its own at once, and keeps
 * their frozen labels). A copy per rollup read was 20 MB for a 5,000-series window, and 1.6 MB
 * per slot close, all of it held until grouped: every scavenge met meanwhile copied it again.
 * Undefined for any other store: the caller reads through `WindowQuery` as before. The errors are
 * the ones `WindowQuery.stored` and `WindowQuery.changes` give.
 */
export function storeReads(storage: StorageAdapter, name: string): StoreReads | undefined {
  if (!(storage instanceof MemoryStorage)) return undefined;
  const proto = MemoryStorage.prototype;
  if (storage.queryRollups !== proto.queryRollups || storage.readRollupChanges !== proto.readRollupChanges) return undefined;
  return {
    read: async (from) => {
      try {
        return await storage.readStoredRollups({ name, labels: undefined, from, to: undefined });
      } catch (cause) {
        throw new StorageError(`reading rollups of "${name}" from "${storage.name}" storage failed`, { cause });
      }
    },
    changes: async (cursor) => {
      try {
        return await storage.readStoredChanges(name, cursor);
      } catch (cause) {
        throw new StorageError(`reading the rollups of "${name}" written since the last read from "${storage.name}" storage failed`, { cause });
      }
    },
  };
}
