/**
 * Secrets never leave in errors: a PostgresStorage rejection or side failure never carries the
 * connection's password, whether a message echoes it raw, URL-encoded or as part of a
 * connection string.
 */
import { describe, expect, it } from 'vitest';
import { connectionSecrets, redactPostgres, storageFailure } from '../../src/storage/postgres/postgres-errors.js';
import { PostgresStorage } from '../../src/postgres.js';
import type { StorageError } from '../../src/core/errors.js';

describe('PostgresStorage error messages', () => {
  it('finds the password of URL and keyword connection strings, and of a pool', () => {
    expect(connectionSecrets('postgres://app:s3cr%40t@db:5432/x', undefined)).toEqual(['s3cr%40t', 's3cr@t']);
    expect(connectionSecrets("host=db user=app password='p w d' dbname=x", undefined)).toEqual(['p w d']);
    expect(connectionSecrets('postgresql://app@db/x', 'from-pool')).toEqual(['from-pool']);
    expect(connectionSecrets(undefined, undefined)).toEqual([]);
  });

  it('redacts the password and any connection string credentials from a wrapped error', () => {
    const secrets = connectionSecrets('postgres://app:hunter2@db/x', undefined);
    const cause = new Error('could not connect with postgres://app:hunter2@db/x (password=hunter2): hunter2 rejected');
    const error = storageFailure('PostgresStorage (schema "s")', 'reading rollups', cause, secrets);
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toBe('PostgresStorage (schema "s"): reading rollups failed: could not connect with postgres://app:***@db/x (password=***): *** rejected');
    expect(redactPostgres('password = other secret', [])).toBe('password = *** secret');
  });

  it('keeps the password out of a real failed call and its side failures', async () => {
    const failures: StorageError[] = [];
    // Port 1: nothing listens, the call fails fast.
    const storage = new PostgresStorage({ connectionString: 'postgres://app:Sup3rS3cret@127.0.0.1:1/test', connectionTimeout: 2_000, onError: (e) => failures.push(e) });
    const error = (await storage.queryRollups({ name: 'x' }).catch((e: unknown) => e)) as StorageError;
    expect(error.code).toBe('ERR_PULSEWATCH_STORAGE');
    expect(`${error.message} ${String(error.stack)}`).not.toContain('Sup3rS3cret');
    for (const f of failures) expect(f.message).not.toContain('Sup3rS3cret');
    await storage.close();
  });
});

describe('gap 7: the client key passphrase (sslpassword) is a known secret', () => {
  it('in a keyword connection string, beside the password or alone', () => {
    expect(connectionSecrets('host=db sslpassword=keypass1 password=pw12', undefined)).toEqual(expect.arrayContaining(['keypass1', 'pw12']));
    expect(connectionSecrets("host=db sslpassword='key pass\\'1' sslmode=verify-full", undefined)).toEqual(expect.arrayContaining(["key pass\\'1", "key pass'1"]));
    expect(connectionSecrets('host=db password=a password=b', undefined)).toEqual(expect.arrayContaining(['a', 'b']));
  });

  it("in a URL's query, masked wherever a message echoes it, also encoded", () => {
    const secrets = connectionSecrets('postgres://app@db/x?sslmode=verify-full&sslpassword=k%40y%20pass', undefined);
    expect(secrets).toEqual(expect.arrayContaining(['k%40y%20pass', 'k@y pass']));
    expect(redactPostgres('could not decrypt the key with "k@y pass" (sent k%40y%20pass, k%40y+pass)', secrets)).toBe('could not decrypt the key with "***" (sent ***, ***)');
  });
});
