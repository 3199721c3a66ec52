/**
 * Secrets in a message that quotes JSON inside JSON: the escapes (`\"`, `\\`, `\/`) hid the
 * end of a value or the start of a URL from patterns that read plain text. Each policy now also
 * reads the message with one, two and three levels of JSON escapes undone (unescapeJson), and
 * the masks are joined. Each case showed (part of) the password before the fix.
 */
import { describe, expect, it } from 'vitest';
import { throughJsonEscapes, unescapeJson } from '../../src/core/redact-edits.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactRedis } from '../../src/storage/redis/redis-errors.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';

/** `value` quoted as a JSON string `depth` times, as a log line, a body and an event nest it. */
const nested = (value: unknown, depth: number): string => {
  let text = JSON.stringify(value);
  for (let d = 1; d < depth; d++) text = JSON.stringify({ m: text, owner: 'ops@example.com' });
  return text;
};

describe('unescapeJson', () => {
  it('reads one level of JSON string escapes and says where each character came from', () => {
    const read = unescapeJson(String.raw`a\"b\\c\/d\ne\u00e4f\'g`)!;
    expect(read.text).toBe('a"b\\c/d\neäf\\\'g');
    expect([...read.at]).toEqual([0, 1, 3, 4, 6, 7, 9, 10, 12, 13, 19, 20, 21, 22, 23]);
    expect(unescapeJson('no escapes')).toBeUndefined();
    expect(unescapeJson(String.raw`only \' and \x`)).toBeUndefined();
  });

  it('maps a pass over the read text back onto the text as given', () => {
    const text = String.raw`{"m":"password=\"a b\" end"}`;
    const edits = throughJsonEscapes(text, (t) => (t.includes('"a b"') ? [[t.indexOf('"a b"'), t.indexOf('"a b"') + 5, '#']] : []));
    expect(edits).toEqual([[text.indexOf('\\"a'), text.indexOf('b\\"') + 3, '#']]);
    // Text naming no password and no URL at any depth is read as given only.
    expect(throughJsonEscapes(String.raw`{"m":"pw=\"a b\""}`, (t) => [[0, t.length, '#']])).toEqual([[0, 18, '#']]);
  });
});

describe('gap 1: a password setting in JSON quoted in JSON', () => {
  it('a quoted `password=` value keeps no part after its escaped quote', () => {
    const text = nested({ config: 'host=db password="hunter2 horse battery" user=x' }, 1);
    expect(redactPostgres(text, [])).toBe(nested({ config: 'host=db password=*** user=x' }, 1));
    expect(redact(text)).toBe(nested({ config: 'host=db password=[redacted] user=x' }, 1));
  });

  it('a nested JSON password key, at every depth up to four', () => {
    for (let depth = 1; depth <= 4; depth++) {
      const text = nested({ config: JSON.stringify({ password: 'hun"ter 2\\x' }) }, depth);
      expect(redactPostgres(text, []), `depth ${depth}`).not.toMatch(/hun|ter|2\\\\x/);
      expect(redact(text), `depth ${depth}`).not.toMatch(/hun|ter|2\\\\x/);
    }
  });
});

describe('gap 3: a URL whose slashes JSON escaped (`redis:\\/\\/u:pw@h`)', () => {
  it('has its password masked by every policy', () => {
    const text = String.raw`{"url":"redis:\/\/user:secret@host:6379","owner":"ops@example.com"}`;
    expect(redactRedis(text, [])).toBe(String.raw`{"url":"redis:\/\/user:***@host:6379","owner":"ops@example.com"}`);
    expect(redact(text)).toBe(String.raw`{"url":"redis:\/\/[redacted]@host:6379","owner":"ops@example.com"}`);
    const pg = String.raw`{"url":"postgres:\/\/app:s3cret@db:5432\/x"}`;
    expect(redactPostgres(pg, [])).toBe(String.raw`{"url":"postgres:\/\/app:***@db:5432\/x"}`);
    expect(redact(pg)).toBe(String.raw`{"url":"postgres:\/\/[redacted]@db:5432/[redacted]"}`);
  });

  it('quoted again', () => {
    const text = JSON.stringify({ m: String.raw`{"url":"redis:\/\/user:secret@host:6379"}` });
    expect(redactRedis(text, [])).not.toContain('secret');
    expect(redact(text)).not.toContain('secret');
  });
});

describe('gap 4: a libpq quoted value with a backslash-escaped quote, in a JSON string', () => {
  it('is masked whole (JSON doubled its backslash)', () => {
    const text = JSON.stringify({ dsn: "host=db password='a\\'b c' user=x" });
    expect(redactPostgres(text, [])).toBe(JSON.stringify({ dsn: 'host=db password=*** user=x' }));
    expect(redact(text)).toBe(JSON.stringify({ dsn: 'host=db password=[redacted] user=x' }));
    expect(redactPostgres(nested({ dsn: "password='a\\'b c'" }, 3), [])).not.toMatch(/b c/);
  });

  it('as given, still', () => {
    expect(redactPostgres("host=db password='a\\'b c' user=x", [])).toBe('host=db password=*** user=x');
  });
});

describe('a known secret in JSON quoted in JSON, or with its slashes escaped', () => {
  it('is masked by every policy at each depth up to three, and as PHP writes a slash (`\\/`)', () => {
    const secret = 'p"w\\d/x';
    const once = JSON.stringify({ e: `auth ${secret} failed` });
    for (const text of [JSON.stringify({ m: once }), JSON.stringify({ m: JSON.stringify({ m: once }) }), once.replace(/\//g, '\\/'), JSON.stringify({ m: once.replace(/\//g, '\\/') })]) {
      expect(redactRedis(text, [secret]), text).toMatch(/auth \*\*\* failed/);
      expect(redactPostgres(text, [secret]), text).toMatch(/auth \*\*\* failed/);
      expect(redact(text, [secret]), text).toMatch(/auth \[redacted\] failed/);
    }
  });
});
