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

describe('a password key opening a JSON string value', () => {
  it('starts a line: a YAML block scalar there is masked with its lines', () => {
    expect(redact('{"config":"password: |\\n  abc def\\nhost: db"}')).toBe('{"config":"password: [redacted]\\nhost: db"}');
    expect(redactPostgres('{"config":"password: >-\\n  abc def\\n  ghi\\nhost: db","n":1}', [])).toBe('{"config":"password: ***\\nhost: db","n":1}');
  });

  it('its value is the string up to the closing quote, a line break or the next key, not one word', () => {
    expect(redact('{"msg":"password: abc def"}')).toBe('{"msg":"password: [redacted]"}');
    expect(redact('{"msg":"password: abc def","level":"error"}')).toBe('{"msg":"password: [redacted]","level":"error"}');
    expect(redactPostgres('["db_password: abc def", "x"]', [])).toBe('["db_password: ***", "x"]');
    expect(redactPostgres('{"msg":"password: abc def, host: db"}', [])).toBe('{"msg":"password: ***, host: db"}');
    expect(redactPostgres('{"msg":"password: abc def\\nhost: db"}', [])).toBe('{"msg":"password: ***\\nhost: db"}');
    expect(redact(JSON.stringify({ m: JSON.stringify({ msg: 'password: abc def', n: 1 }) }))).toBe(JSON.stringify({ m: JSON.stringify({ msg: 'password: [redacted]', n: 1 }) }));
  });

  it('a quoted phrase in prose ends at its quote; a key in prose is still one word', () => {
    expect(redactPostgres('error: "password: abc def" was rejected', [])).toBe('error: "password: ***" was rejected');
    expect(redactPostgres('expected password: string, got number', [])).toBe('expected password: ***, got number');
  });
});
