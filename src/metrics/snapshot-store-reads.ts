import { StorageError } from '../core/errors.js';
import type { StorageAdapter } from '../storage/contract.js';
import { MemoryStorage } from '../storage/memory/memory-storage.js';
import { hasSharedChanges, sharedChanges } from '../storage/shared-changes.js';
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
 * For a store with a shared change log read (a `RedisStorage`, see storage/shared-changes.ts),
 * its range read as `WindowQuery.stored` reads it and its change log's rollups with one frozen
 * labels object per series (the kept series find them by identity). Undefined for any other
 * store: the caller reads through `WindowQuery` as before. The errors are the ones
 * `WindowQuery.stored` and `WindowQuery.changes` give.
 */
export function storeReads(storage: StorageAdapter, name: string): StoreReads | undefined {
  if (storage instanceof MemoryStorage) {
    const proto = MemoryStorage.prototype;
    if (storage.queryRollups !== proto.queryRollups || storage.readRollupChanges !== proto.readRollupChanges) return undefined;
    return {
      read: (from) => guarded(storage, name, () => storage.readStoredRollups({ name, labels: undefined, from, to: undefined }), rangeFailed),
      changes: (cursor) => guarded(storage, name, () => storage.readStoredChanges(name, cursor), changesFailed),
    };
  }
  if (!hasSharedChanges(storage)) return undefined;
  const changes = storage[sharedChanges](name);
  if (changes === undefined) return undefined;
  return {
    read: (from) => guarded(storage, name, () => storage.queryRollups({ name, labels: undefined, from, to: undefined }), rangeFailed),
    changes: (cursor) => guarded(storage, name, () => changes(cursor), changesFailed),
  };
}

function rangeFailed(name: string, storage: StorageAdapter): string {
  return `reading rollups of "${name}" from "${storage.name}" storage failed`;
}

function changesFailed(name: string, storage: StorageAdapter): string {
  return `reading the rollups of "${name}" written since the last read from "${storage.name}" storage failed`;
}

/** `read()`, its failure wrapped in a `StorageError` with `message`'s text. */
async function guarded<T>(storage: StorageAdapter, name: string, read: () => Promise<T>, message: (name: string, storage: StorageAdapter) => string): Promise<T> {
  try {
    return await read();
  } catch (cause) {
    throw new StorageError(message(name, storage), { cause });
  }
}
