/**
 * A password equal to a key name (`password`, `sslpassword`, `PGPASSWORD`): checked for gap 6,
 * nothing of it shows in any shape below, through any policy, known or not. Known, it is masked
 * wherever it appears, key names and prose included (`*** authentication failed`): masking key
 * names less would mask less than before, which no fix may do, so that stays.
 */
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/notifiers/redact.js';
import { redactRedis } from '../../src/storage/redis/redis-errors.js';
import { connectionSecrets, redactPostgres } from '../../src/storage/postgres/postgres-errors.js';

const shapes = (v: string): [string, string][] => [
  [`password=${v} host=db`, 'password=# host=db'],
  [`password='${v}' host=db`, 'password=# host=db'],
  [`{"password":"${v}","user":"x"}`, '{"password":"#","user":"x"}'],
  [`password: ${v}\nhost: db`, 'password: #\nhost: db'],
  [`{password: ${v}, user: x}`, '{password: #, user: x}'],
  [`PGPASSWORD=${v} psql`, 'PGPASSWORD=# psql'],
  [`sslpassword=${v} x`, 'sslpassword=# x'],
  [`password: >\n  ${v}\nhost: db`, 'password: #\nhost: db'],
  [`password=${v}:x host=db`, 'password=# host=db'],
];

describe('gap 6: a password equal to a key name', () => {
  it('is masked as a setting by the PostgreSQL policy and the notifiers, unknown', () => {
    for (const v of ['password', 'sslpassword', 'PGPASSWORD', 'Password']) {
      for (const [text, masked] of shapes(v)) {
        expect(redactPostgres(text, []), text).toBe(masked.replaceAll('#', '***'));
        expect(redact(text), text).toBe(masked.replaceAll('#', '[redacted]'));
      }
    }
  });

  it('is masked in a URL, unknown, and everywhere once known (key names and prose too)', () => {
    expect(redactRedis('redis://password:password@h', [])).toBe('redis://password:***@h');
    expect(redactPostgres('postgres://password:password@h/db', [])).toBe('postgres://password:***@h/db');
    const known = connectionSecrets('postgres://app:password@db/x', undefined);
    expect(known).toEqual(['password']);
    expect(redactPostgres('password authentication failed (password=password)', known)).toBe('*** authentication failed (***=***)');
    expect(redactRedis('WRONGPASS password is password', ['password'])).toBe('WRONGPASS *** is ***');
    expect(redact('{"password": "password"}', ['password'])).toBe('{"[redacted]": "[redacted]"}');
  });
});
