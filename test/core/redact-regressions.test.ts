/**
 * Regressions of the URL-password scanner (8ccbd19) and of the secret forms (69f8cd8) against
 * the patterns before them: a stop (a quote, `<`, `}`) before the password's `@` left the whole
 * password in clear where the old pattern masked it; a host's port with a later `@` was read as
 * a password; and each masked run recomputed every secret's forms. Each case fails before the fix.
 */
import { describe, expect, it } from 'vitest';
import { maskKeywordPasswords, maskSecrets, maskTokens } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactRedis } from '../../src/storage/redis/redis-errors.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';
import { bestCpuMs } from '../helpers/cpu-time.js';

describe('a password with a stop before its `@`', () => {
  it('is masked to the first `@` when the run after `/ ? #` stops before any `@`', () => {
    expect(redactRedis("redis://admin:ab?cd'ef@cache:6379", [])).toBe('redis://admin:***@cache:6379');
    expect(redactRedis('redis://u:ab#cd}ef@h', [])).toBe('redis://u:***@h');
    expect(redactRedis('redis://u:p/<w>@h', [])).toBe('redis://u:***@h');
    expect(redactPostgres("postgres://admin:ab?cd'ef@db:5432/app", [])).toBe('postgres://admin:***@db:5432/app');
    expect(redactPostgres('postgres://u:ab#cd}ef@h/db', [])).toBe('postgres://u:***@h/db');
    expect(redact('redis://admin:a>b#c}d@cache:6379')).toBe('redis://[redacted]@cache:6379');
    expect(redact('redis://u:p/<w>@h')).toBe('redis://[redacted]@h');
  });

  it('is masked to the first `@` when a quote that looks closing ends it', () => {
    expect(redactRedis('redis://u:ab":cd@h', [])).toBe('redis://u:***@h');
    expect(redactRedis('redis://u:abc",@h', [])).toBe('redis://u:***@h');
    expect(redactPostgres('postgres://u:ab":cd@h/db', [])).toBe('postgres://u:***@h/db');
    expect(redactPostgres("postgres://u:abc' @h/db", [])).toBe("postgres://u:abc' @h/db"); // white space ends it, as before
    expect(redact('redis://u:ab":cd@h')).toBe('redis://[redacted]@h');
    expect(redact('redis://u:abc",@h')).toBe('redis://[redacted]@h');
  });

  it('is masked by the notifiers to its last `@` when a stop that does not end the URL cut it', () => {
    expect(redact('connect failed: redis://admin:#ej@t>*ZxaSF(#d@cache:6379/0 (retrying)')).toBe('connect failed: redis://[redacted]@cache:6379/[redacted] (retrying)');
    expect(redact(JSON.stringify({ url: 'redis://admin:VlV9jyB#@"").;?d@cache:6379', owner: 'ops@example.com' }))).toBe('{"url":"redis://[redacted]@cache:6379","owner":"ops@example.com"}');
    expect(redact('redis://admin:r?aXjgf5kIZ@{Q4]@cache:6379')).toBe('redis://[redacted]@cache:6379');
  });

  it('keeps what it kept when the run ends at its `@` (JSON neighbours, multi-host)', () => {
    expect(redactRedis('{"url":"redis://u:pw@h:6379","owner":"ops@example.com"}', [])).toBe('{"url":"redis://u:***@h:6379","owner":"ops@example.com"}');
    expect(redactPostgres('postgres://u:pw@h1,v:pw2@h2/db', [])).toBe('postgres://u:***@h1,v:***@h2/db');
  });

  // The readings before the scanner (15562a0): a password of no `@ / ` white space up to an `@`;
  // the notifiers' user info of no `/ ? # @` white space, and the rest of the URL to white space.
  const beforeUrlPasswords = (text: string, schemes: string): string => text.replace(new RegExp(String.raw`((?:${schemes}):\/\/)([^:@/\s]*):([^@/\s]*)@`, 'gi'), '$1$2:***@');
  const before: [string, string, (t: string) => string, (t: string) => string][] = [
    ['redactRedis', 'redis', (t) => redactRedis(t, []), (t) => beforeUrlPasswords(t, 'redis|rediss')],
    ['redactPostgres', 'postgres', (t) => redactPostgres(t, []), (t) => maskKeywordPasswords(beforeUrlPasswords(t, 'postgres|postgresql'), '***')],
    [
      'redact',
      'redis',
      (t) => redact(t),
      (t) =>
        maskTokens(
          t.replace(
            /\b([a-z][a-z0-9+.-]{0,31}):\/\/([^\s/?#@]*@)?([^\s/?#]*)([^\s]*)/gi,
            (_m, scheme: string, userinfo: string | undefined, host: string, rest: string) => `${scheme}://${userinfo ? '[redacted]@' : ''}${host}${rest === '' || rest === '/' ? rest : '/[redacted]'}`
          ),
          '[redacted]'
        ),
    ],
  ];
  /** The longest run of `form` (5 characters or more) still in `text`, else 0. */
  const shown = (text: string, form: string): number => {
    for (let len = form.length; len >= 5; len--) for (let i = 0; i + len <= form.length; i++) if (text.includes(form.slice(i, i + len))) return len;
    return 0;
  };

  it('never shows more of a random password than the patterns before the scanner (2,000 seeded cases)', () => {
    let seed = 0x5eed;
    const random = (): number => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const chars = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join(''); // letters, digits, ASCII symbols
    const worse: string[] = [];
    for (let n = 0; n < 2000; n++) {
      let pw = '';
      for (let i = 0; i < 16; i++) pw += chars[Math.floor(random() * chars.length)];
      for (const [name, scheme, now, then] of before) {
        const url = `${scheme}://admin:${pw}@cache:6379`;
        const cases: [string, string, string][] = [
          [`connect ${url} failed`, pw, ''],
          [JSON.stringify({ url, owner: 'ops@example.com' }), JSON.stringify(pw).slice(1, -1), ''],
          [`connect "${url}": refused`, pw, '"'],
          [`connect '${url}', retrying`, pw, "'"],
        ];
        for (const [text, form, quote] of cases) {
          // The notifiers keep a URL's neighbours in quoted text (a URL opened with a quote ends
          // at its closing quote), which the patterns before did not: a password holding that
          // same quote unescaped is ambiguous there (`'u:h@';x@h'`), and is left out here.
          if (name === 'redact' && quote !== '' && pw.includes(quote)) continue;
          if (shown(now(text), form) > shown(then(text), form)) worse.push(`${name} ${JSON.stringify(text)}: ${JSON.stringify(now(text))}, before ${JSON.stringify(then(text))}`);
        }
      }
    }
    expect(worse.slice(0, 5)).toEqual([]);
  });
});

describe('a host with a port, then an `@` later in the path or query', () => {
  it('has no user info (the `@` is not a password end)', () => {
    expect(redactPostgres('postgres://db.example.com:5432/app?application_name=svc@host', [])).toBe('postgres://db.example.com:5432/app?application_name=svc@host');
    expect(redactRedis('redis://cache:6379/0#x@y', [])).toBe('redis://cache:6379/0#x@y');
    expect(redact('https://api.example.com:443/v1?user=bob@example.com')).toBe('https://api.example.com:443/[redacted]');
  });

  it('is still a password when it is not 1 to 5 digits then `/ ? #`', () => {
    expect(redactPostgres('postgres://u:123456/x@h/db', [])).toBe('postgres://u:***@h/db');
    expect(redactPostgres('postgres://u:12a/x@h/db', [])).toBe('postgres://u:***@h/db');
    expect(redactRedis('redis://u:1234@h', [])).toBe('redis://u:***@h');
  });
});

describe('masking known secrets', () => {
  it('costs the text and the secrets, not the hits times the secrets', () => {
    const cpu = (call: () => unknown): number => bestCpuMs(call, 2);
    const text = 'abcd '.repeat(40_000);
    const others = Array.from({ length: 50 }, (_, i) => `other-secret-${i}`);
    // The linear parts, measured here: the hits with one secret, and a scan for 50 absent secrets.
    const hits = cpu(() => redact(text, ['abcd']));
    const scans = cpu(() => redact(text, others));
    const both = cpu(() => redact(text, ['abcd', ...others]));
    // 3x plus 25 ms of slack for noise; each hit recomputing every secret's forms was about 25x.
    expect(both).toBeLessThan(3 * (hits + scans) + 25);
    expect(redact('abcd x abcd', ['abcd', ...others])).toBe('[redacted] x [redacted]');
  });

  it('masks a mask built from a secret with the other secrets, as before', () => {
    const url = 'https://hooks.example.com/T0/s3cr3t-token';
    expect(maskSecrets(`${url} and s3cr3t-token`, [url, 's3cr3t-token'], (s) => (s === url ? 'https://hooks.example.com/s3cr3t-token' : '#'))).toBe('https://hooks.example.com/# and #');
  });
});

describe('an IPv6 host, then an `@` later in the URL (review R4)', () => {
  it("keeps the host: the colons inside [...] are not a user's password separator", () => {
    expect(redactRedis('redis://[::1]:6379/x@y', [])).toBe('redis://[::1]:6379/x@y');
    expect(redactPostgres('postgres://[::1]:5432/db?application_name=a@b', [])).toBe('postgres://[::1]:5432/db?application_name=a@b');
    expect(redactRedis('redis://u@[::1]:6379/x@y', [])).toBe('redis://u@[::1]:6379/x@y');
    expect(redact('redis://[::1]:6379/x@y')).toBe('redis://[::1]:6379/[redacted]');
  });

  it('still masks a password before an IPv6 host', () => {
    expect(redactRedis('redis://u:pA55@[::1]:6379/0', [])).toBe('redis://u:***@[::1]:6379/0');
    expect(redactRedis('redis://:pw12@[::1]:6379', [])).toBe('redis://:***@[::1]:6379');
    expect(redactPostgres('postgres://app:s3cret@[fe80::1%25eth0]:5432/db', [])).toBe('postgres://app:***@[fe80::1%25eth0]:5432/db');
    expect(redact('redis://u:pA55@[::1]:6379/0')).not.toContain('pA55');
  });
});
