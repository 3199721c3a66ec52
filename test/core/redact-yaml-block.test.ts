/**
 * A YAML block scalar as a password's value (`password: |` or `>`, then indented lines): the
 * lines are the password, and only the indicator was masked. Each case showed the password
 * before the fix.
 */
import { describe, expect, it } from 'vitest';
import { maskKeywordPasswords } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';
import { bestCpuMs } from '../helpers/cpu-time.js';

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
    // Each key's block holds every line after it; read again for each, 2,400 keys took 4 s.
    const lines = (n: number, nested: boolean): string => Array.from({ length: n }, (_, i) => `${' '.repeat(nested ? i : n - i)}password: |`).join('\n');
    const [small, large, flat] = [lines(1200, true), lines(2400, true), lines(2400, false)];
    expect(maskKeywordPasswords(large, '#')).toBe('password: #');
    // Warmed up, then CPU time, best of 3. Four times the text (twice the keys, each twice as
    // indented) takes about four times as long, never eight; and no more than the same text
    // whose blocks are not nested (each ends at the next line). 25 ms of slack for noise.
    for (const text of [small, large, flat]) maskKeywordPasswords(text, '#');
    const ms = (text: string): number => bestCpuMs(() => maskKeywordPasswords(text, '#'), 3);
    const [a, b, c] = [ms(small), ms(large), ms(flat)];
    expect(b, `${a.toFixed(1)} ms, then ${b.toFixed(1)} ms on four times the text`).toBeLessThan(8 * a + 25);
    expect(b, `${b.toFixed(1)} ms nested, ${c.toFixed(1)} ms not`).toBeLessThan(4 * c + 25);
  });
});

describe('a YAML block scalar after a tag or an anchor', () => {
  it('is masked with its lines (only the header was)', () => {
    expect(redactPostgres('password: !!str |\n  hunter2\nhost: db', [])).toBe('password: ***\nhost: db');
    expect(redact('db:\n  password: &pw >-\n    hunter2 horse\n  host: db')).toBe('db:\n  password: [redacted]\n  host: db');
    expect(maskKeywordPasswords('password: &pw !secret |2\n   s3cret\nuser: x', '#')).toBe('password: #\nuser: x');
    expect(redact(JSON.stringify({ config: 'password: !!str |\n  hunter2\nhost: db' }))).toBe(JSON.stringify({ config: 'password: [redacted]\nhost: db' }));
  });
});
