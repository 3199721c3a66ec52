/**
 * The soak's store: a real MemoryStorage behind two kinds of fault.
 * - Outages: while `down` is set, writes of rollups and alerts reject with a transient error
 *   (a store restarting, a network partition); the same write succeeds later.
 * - Poison: a batch holding rollups the store refuses as invalid (here: labelled
 *   `tenant="poison-…"`, as PostgreSQL refuses a lone surrogate in jsonb) rejects with a
 *   permanent StorageError, both ways the storage contract allows, in turn: the valid rollups
 *   stored and the refused ones named in `rejected`; or nothing stored and no `rejected` (as a
 *   failed transaction does), the caller then having to split the batch to find the bad ones.
 * It tallies what it saw: rollups written per metric name and refused poison rollups.
 */
import { StorageError } from '../../src/index.js';
import type { CallOptions, Rollup, StorageAdapter } from '../../src/storage/contract.js';
import { MemoryStorage, type MemoryStorageOptions } from '../../src/storage/memory/memory-storage.js';
import type { AlertRecord } from '../../src/storage/records.js';
import { delegatingStorage } from '../helpers/delegating-storage.js';

/** True for a rollup the store refuses as invalid. */
export const isPoison = (r: Rollup): boolean => r.labels.tenant?.startsWith('poison-') === true;

/** A faulty store around a MemoryStorage; `storage` is what the monitor is given. */
export class FaultyStore {
  readonly inner: MemoryStorage;
  readonly storage: StorageAdapter;
  /** Writes reject (transiently) while true. */
  down = false;
  /** Write calls refused by an outage. */
  outageRejections = 0;
  /** Write calls refused for poison, and the poison rollups in them (a rollup sent twice counts twice). */
  poisonRejections = 0;
  poisonRollupsSeen = 0;

  constructor(memory: MemoryStorageOptions) {
    this.inner = new MemoryStorage(memory);
    this.storage = delegatingStorage(this.inner, {
      name: 'faulty-memory',
      writeRollups: (rollups, options) => this.writeRollups(rollups, options),
      saveAlert: (alert, options) => this.saveAlert(alert, options),
    });
  }

  private async writeRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void> {
    if (this.down) {
      this.outageRejections++;
      throw new StorageError('faulty-memory: the store is unreachable (simulated outage)');
    }
    const rejected: number[] = [];
    rollups.forEach((r, i) => {
      if (isPoison(r)) rejected.push(i);
    });
    if (rejected.length > 0) {
      this.poisonRejections++;
      this.poisonRollupsSeen += rejected.length;
      if (this.poisonRejections % 2 === 1) {
        await this.inner.writeRollups(rollups.filter((r) => !isPoison(r)), options);
        throw new StorageError(`faulty-memory: ${rejected.length} rollups refused as invalid, the others stored`, { permanent: true, rejected });
      }
      throw new StorageError('faulty-memory: the batch was refused as invalid, nothing stored', { permanent: true });
    }
    await this.inner.writeRollups(rollups, options);
  }

  private async saveAlert(alert: AlertRecord, options?: CallOptions): Promise<void> {
    if (this.down) throw new StorageError('faulty-memory: the store is unreachable (simulated outage)');
    await this.inner.saveAlert(alert, options);
  }
}
