/**
 * Password settings read in a view of a JSON string (its escapes undone, see throughJsonEscapes)
 * where the string's own quotes matter: a YAML block scalar ends where the string does, and a
 * key that opens a string value starts a line. Each case failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/notifiers/redact.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';

describe('a YAML block scalar in a JSON string', () => {
  it('ends at the quote closing the string: the rest of a JSON log stays', () => {
    const log = '{"config":"db:\\n  password: |\\n    s3cret","level":"error","time":1,"msg":"config rejected"}';
    expect(redact(log)).toBe('{"config":"db:\\n  password: [redacted]","level":"error","time":1,"msg":"config rejected"}');
    expect(redactPostgres(log, [])).toBe('{"config":"db:\\n  password: ***","level":"error","time":1,"msg":"config rejected"}');
  });

  it('in JSON quoted in JSON, and as the last value of an object', () => {
    const inner = JSON.stringify({ config: 'db:\n  password: >-\n    s3cret\n    more', level: 'error' });
    expect(redact(JSON.stringify({ m: inner, n: 1 }))).toBe(JSON.stringify({ m: JSON.stringify({ config: 'db:\n  password: [redacted]', level: 'error' }), n: 1 }));
    expect(redactPostgres('{"config":"db:\\n  password: |\\n    s3cret\\n    more"}', [])).toBe('{"config":"db:\\n  password: ***"}');
  });

  it('a block in plain text keeps its lines whole, quotes and all', () => {
    expect(redactPostgres('password: |\n  ab","c\nhost: db', [])).toBe('password: ***\nhost: db');
  });
});
