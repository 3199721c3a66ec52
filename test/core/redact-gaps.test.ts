/**
 * Passwords the patterns of src/core/redact.ts used to cut or miss: one holding `@` or `/` in a
 * URL, a URL glued to the word before it, and a libpq keyword value with backslash escapes.
 * Each case is checked through every policy that masks it (notifiers, Redis, PostgreSQL), and
 * every pattern stays linear on 100 KB of hostile text.
 */
import { describe, expect, it } from 'vitest';
import { connectionPasswords, maskKeywordPasswords, maskSecrets, maskTokens, maskUrlPasswords, maskUrls } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactRedis } from '../../src/storage/redis/redis-errors.js';
import { connectionSecrets, redactPostgres } from '../../src/storage/postgres/postgres-errors.js';
import { bestCpuMs } from '../helpers/cpu-time.js';

const PG = ['postgres', 'postgresql'];

describe('a URL password holding `@`', () => {
  it('is masked whole, up to the last `@` before the host (as pg and ioredis read it)', () => {
    expect(redactPostgres('at postgres://app:p@ss@db:5432/x', [])).toBe('at postgres://app:***@db:5432/x');
    expect(redactRedis('at redis://app:p@ss@cache:6379/0', [])).toBe('at redis://app:***@cache:6379/0');
    expect(redact('at https://app:p@ss@h.example.com/x')).toBe('at https://[redacted]@h.example.com/[redacted]');
  });

  it('is read whole from a connection string (it was read as `p`, and every `p` of a message was masked)', () => {
    expect(connectionSecrets('postgres://app:p@ss@db:5432/x', undefined)).toEqual(['p@ss']);
    expect(redactPostgres('postgres said: p@ss is wrong for app', connectionSecrets('postgres://app:p@ss@db:5432/x', undefined))).toBe('postgres said: *** is wrong for app');
  });

  it('still stops at the host when a later `@` is in the path or query', () => {
    expect(redactPostgres('postgres://app:pw@db/x?application_name=a@b', [])).toBe('postgres://app:***@db/x?application_name=a@b');
    expect(connectionPasswords('postgres://app:pw@db/x?application_name=a@b', PG)).toEqual(['pw']);
  });

  it('is masked when the user holds `@` too (Azure-style `user@server`)', () => {
    expect(redactPostgres('postgres://app@srv:s3cret@srv.example.com/x', [])).toBe('postgres://app@srv:***@srv.example.com/x');
    expect(connectionPasswords('postgres://app@srv:s3cret@srv.example.com/x', PG)).toEqual(['s3cret']);
  });
});

describe('a URL password holding `/`, `?` or `#`', () => {
  it('is masked whole, not cut at the `/`', () => {
    expect(redactPostgres('bad URL postgres://app:pa/ss@db:5432/x', [])).toBe('bad URL postgres://app:***@db:5432/x');
    expect(redactRedis('bad URL redis://app:pa/ss@cache:6379', [])).toBe('bad URL redis://app:***@cache:6379');
    expect(redactRedis('bad URL redis://app:pa?ss#w@cache', [])).toBe('bad URL redis://app:***@cache');
    expect(redact('bad URL https://app:pa/ss@h.example.com/x')).toBe('bad URL https://[redacted]@h.example.com/[redacted]');
  });

  it('is read whole from a connection string', () => {
    expect(connectionSecrets('postgres://app:pa/ss@db:5432/x', undefined)).toEqual(['pa/ss']);
  });

  it('stops at white space and at the next URL, so a second URL keeps its own mask', () => {
    expect(redactRedis('redis://a:p/w@h, then redis://b:q/x@k', [])).toBe('redis://a:***@h, then redis://b:***@k');
    expect(redactRedis('redis://a:p/w@h,redis://b:q@k', [])).toBe('redis://a:***@h,redis://b:***@k');
  });
});

describe('a URL glued to the word before it', () => {
  it('is masked whatever precedes its scheme', () => {
    expect(redact('error_redis://u:secret@h/tok')).toBe('error_redis://[redacted]@h/[redacted]');
    // A run longer than a scheme (32 characters) left no word start for the match to begin at.
    const glued = `${'x'.repeat(40)}https://u:secret@h.example.com/tok`;
    expect(redact(glued)).not.toContain('secret');
    expect(redact(glued)).not.toContain('tok');
    expect(maskUrls(`a_https://h/${'t'.repeat(8)}`, '#')).toBe('a_https://h/#');
    expect(redactRedis('error1redis://u:secret@h', [])).toBe('error1redis://u:***@h');
    expect(redactPostgres('error_postgres://u:secret@h', [])).toBe('error_postgres://u:***@h');
  });
});

describe('a libpq keyword password with backslash escapes', () => {
  it("is read unescaped from a connection string, so the password itself is masked where a message echoes it", () => {
    const secrets = connectionSecrets("host=db password='a\\'b secret' user=x", undefined);
    expect(secrets).toContain("a'b secret");
    expect(redactPostgres("host=db password='a\\'b secret' user=x; got a'b secret", secrets)).toBe('host=db password=*** user=x; got ***');
  });

  it('is masked whole when bare with an escaped space, or quoted and cut off by the end of a message', () => {
    expect(connectionSecrets('host=db password=a\\ b3cret user=x', undefined)).toContain('a b3cret');
    expect(maskKeywordPasswords('password=a\\ b3cret user=x', '***')).toBe('password=*** user=x');
    expect(maskKeywordPasswords("failed: password='a b3cret", '***')).toBe('failed: password=***');
  });
});

describe('hostile input stays linear', () => {
  // Each shape is timed at 100 KB and at 200 KB: a linear pattern takes about twice as long on
  // twice the text, the quadratic shapes this guards against four times (and took seconds at
  // 100 KB). An absolute bound alone (500 ms) failed once on a loaded machine (load 12).
  const fill = (size: number, unit: string, head = '') => head + unit.repeat(Math.ceil((size - head.length) / unit.length));
  const shapes: [string, string?][] = [
    ['a.'],
    ['x'],
    ['redis://a:'],
    ['redis://u@'],
    ['postgres://a:b/'],
    ['https://u:p/'],
    ['a://'],
    [':', 'http://'],
    [':', 'redis://'],
    ['/', 'redis://u:'],
    ['@', 'https://'],
    ['_redis://'],
    ["\\'", "password='"],
    ['\\ ', 'password='],
    ['password='],
    ['password '],
    ["password=' a"],
    ['Bearer '],
    ['redis://u:p@h,u:p@h,'],
    ['a:a,', 'redis://u:p@h,'],
  ];

  it('every pattern and policy: twice the text takes about twice the time, never four times', () => {
    const calls: [string, (text: string) => unknown][] = [
      ['maskUrls', (t) => maskUrls(t, '#')],
      ['maskUrlPasswords', (t) => maskUrlPasswords(t, ['redis', 'rediss', ...PG], '#')],
      ['maskKeywordPasswords', (t) => maskKeywordPasswords(t, '#')],
      ['maskTokens', (t) => maskTokens(t, '#')],
      ['connectionPasswords', (t) => connectionPasswords(t, ['redis', ...PG])],
      ['redact', (t) => redact(t, ['secret'])],
      ['redactRedis', (t) => redactRedis(t, ['secret'])],
      ['redactPostgres', (t) => redactPostgres(t, ['secret'])],
      ['maskSecrets', (t) => maskSecrets(t, ['a.a.a.', 'a.a'], '#')],
    ];
    const cpu = (call: () => unknown): number => bestCpuMs(call, 2);
    const slow: string[] = [];
    for (const [unit, head] of shapes) {
      const small = fill(100_000, unit, head);
      const large = fill(200_000, unit, head);
      for (const [name, call] of calls) {
        const msSmall = cpu(() => call(small));
        const msLarge = cpu(() => call(large));
        // 3x plus 25 ms of slack for timer and scheduling noise on a few-ms call; 2 s at 100 KB is slow whatever the ratio.
        if (msLarge > 3 * msSmall + 25 || msSmall > 2000) slow.push(`${name} on ${JSON.stringify(small.slice(0, 12))}...: ${msSmall.toFixed(0)} ms, ${msLarge.toFixed(0)} ms on twice the text`);
      }
    }
    expect(slow).toEqual([]);
  });
});
