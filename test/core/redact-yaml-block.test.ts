/**
 * A YAML block scalar as a password's value (`password: |` or `>`, then indented lines): the
 * lines are the password, and only the indicator was masked. Each case showed the password
 * before the fix.
 */
import { describe, expect, it } from 'vitest';
import { maskKeywordPasswords } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';

describe('gap 5: a YAML block scalar password', () => {
  it('is masked with its indented lines, up to the next line as indented as its key', () => {
    expect(redactPostgres('password: |\n  hunter2\n  more\nhost: db', [])).toBe('password: ***\nhost: db');
    expect(redact('password: >\n  hunter2 horse\nhost: db')).toBe('password: [redacted]\nhost: db');
    expect(maskKeywordPasswords('db:\n  password: |-\n    hunter2\n\n    battery\n  host: db\n', '#')).toBe('db:\n  password: #\n  host: db\n');
    expect(maskKeywordPasswords('- password: >+2 # the key\n    s3cret\r\n- user: x', '#')).toBe('- password: #\r\n- user: x');
  });

  it('in a JSON string (its line breaks escaped)', () => {
    const yaml = 'db:\n  password: |\n    hunter2\n  host: db';
    expect(redact(JSON.stringify({ config: yaml }))).toBe(JSON.stringify({ config: 'db:\n  password: [redacted]\n  host: db' }));
    expect(redactPostgres(JSON.stringify({ m: JSON.stringify({ config: yaml }) }), [])).not.toContain('hunter2');
  });

  it('not after a key in prose, whose value is one word: the next indented lines are a stack', () => {
    expect(redactPostgres('error: invalid password: |\n    at connect (db.js:1:1)', [])).toBe('error: invalid password: ***\n    at connect (db.js:1:1)');
  });

  it('a key with a value on its line keeps the lines after it', () => {
    expect(maskKeywordPasswords('password: x |\n  kept', '#')).toBe('password: #\n  kept');
  });

  it('nested block scalars cost one scan (linear on growing indentation)', () => {
    const lines = Array.from({ length: 600 }, (_, i) => `${' '.repeat(i)}password: |`).join('\n');
    expect(maskKeywordPasswords(lines, '#')).toBe('password: #');
  });
});
