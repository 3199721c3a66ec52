// A driver may throw anything: the adapters' error wrappers must still reject with a
// StorageError, never throw a TypeError of their own (review R1: a non-string message threw).
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import { storageFailure } from '../../src/storage/postgres/postgres-errors.js';
import { toStorageError } from '../../src/storage/redis/redis-errors.js';

const odd = (message: unknown): Error => Object.assign(new Error('x'), { message });
const hostile: unknown[] = [odd(123), odd(null), odd(undefined), odd(Symbol('s')), Symbol('thrown'), { toString: () => { throw new Error('no'); } }, null, 42];

describe('the storage error wrappers, given values that are not errors with a string message', () => {
  it('give a StorageError for each (PostgreSQL)', () => {
    for (const cause of hostile) expect(storageFailure('PostgresStorage', 'writing', cause, ['pw'])).toBeInstanceOf(StorageError);
    expect(storageFailure('PostgresStorage', 'writing', odd(123)).message).toContain('failed: 123');
  });

  it('give a StorageError for each (Redis), the last connection error too', () => {
    for (const cause of hostile) {
      const error = toStorageError('writing', cause, { status: 'connecting', lastConnectionError: odd(Symbol('c')), secrets: ['pw'] } as Parameters<typeof toStorageError>[2]);
      expect(error).toBeInstanceOf(StorageError);
    }
    expect(toStorageError('writing', Symbol('thrown'), { status: 'ready', lastConnectionError: undefined, secrets: [] } as Parameters<typeof toStorageError>[2]).message).toContain('Symbol(thrown)');
  });
});
