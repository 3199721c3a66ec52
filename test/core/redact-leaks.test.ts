/**
 * Leaks found by the review of the masking (h1): a known secret echoed percent-encoded, a libpq
 * bare password holding `;` `,` `)` (which left its end in clear, the configured password
 * included), `sslpassword=`, and JSON or YAML `password` keys. Each case fails before the fix;
 * the seeded properties check the new masking never shows more than the one before it.
 */
import { describe, expect, it } from 'vitest';
import { maskKeywordPasswords, maskSecrets } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactRedis } from '../../src/storage/redis/redis-errors.js';
import { connectionSecrets, redactPostgres } from '../../src/storage/postgres/postgres-errors.js';
import { bestCpuMs } from '../helpers/cpu-time.js';
import { random as seeded } from '../helpers/random.js';
import { shown as shownRun } from '../helpers/shown.js';

/** How much of `form` `text` shows (runs of 5 characters or more). */
const shown = (text: string, form: string): number => shownRun(text, form, 5);

const PRINTABLE = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join(''); // letters, digits, ASCII symbols

describe('a known secret echoed percent-encoded', () => {
  it('is masked with upper- or lowercase hex, and form-encoded (`+` for a space)', () => {
    expect(maskSecrets('got p%40ss%2Fw0rd and p%40ss%2fw0rd', ['p@ss/w0rd'], '#')).toBe('got # and #');
    expect(maskSecrets('body=p%40ss+w0rd%21 url=p%40ss%20w0rd!', ['p@ss w0rd!'], '#')).toBe('body=# url=#');
    expect(redactRedis('AUTH p%40ss%2Fw0rd refused', ['p@ss/w0rd'])).toBe('AUTH *** refused');
    expect(redactPostgres('login p%40ss%2fw0rd', connectionSecrets(undefined, 'p@ss/w0rd'))).toBe('login ***');
    expect(redact('the receiver said: bad key p%40ss%2Fw0rd', ['p@ss/w0rd'])).toBe('the receiver said: bad key [redacted]');
  });

  it('a lone surrogate (no UTF-8 form) is still masked as itself', () => {
    expect(maskSecrets('x \uD800abcd y', ['\uD800abcd'], '#')).toBe('x # y');
  });

  it('shows nothing of 2,000 seeded passwords in any quoted form (the forms before among them)', () => {
    const random = seeded(0x1eaf);
    const left: string[] = [];
    for (let n = 0; n < 2000; n++) {
      let pw = '';
      for (let i = 0; i < 12; i++) pw += random() < 0.1 ? ' ' : PRINTABLE[Math.floor(random() * PRINTABLE.length)];
      const component = encodeURIComponent(pw);
      const form = new URLSearchParams({ p: pw }).toString().slice(2);
      const lower = (s: string): string => s.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
      for (const quoted of [pw, JSON.stringify(pw).slice(1, -1), component, lower(component), form, lower(form)]) {
        const text = `auth failed for ${quoted} (retrying)`;
        const masked = maskSecrets(text, [pw], '#');
        if (shown(masked, quoted) > 0 || masked !== 'auth failed for # (retrying)') left.push(`${JSON.stringify(quoted)}: ${JSON.stringify(masked)}`);
      }
    }
    expect(left.slice(0, 5)).toEqual([]);
  });
});

describe('a bare libpq password holding `;`, `,` or `)`', () => {
  it('is masked to white space, as libpq reads it; the punctuation that ends it stays', () => {
    expect(maskKeywordPasswords('password=hun;ter2 host=db', '#')).toBe('password=# host=db');
    expect(maskKeywordPasswords('password=a,b)c; next', '#')).toBe('password=#; next');
    expect(maskKeywordPasswords('(password=abc) password=abc, user=x', '#')).toBe('(password=#) password=#, user=x');
    // An escaped `)` is the value's own.
    expect(maskKeywordPasswords('password=ab\\)', '#')).toBe('password=#');
    expect(maskKeywordPasswords('password=; x', '#')).toBe('password=; x');
    // Sentence punctuation after the punctuation that ends it stays too; alone it is masked, as before.
    expect(maskKeywordPasswords('(password=hun;ter2): rejected; password=abc.', '#')).toBe('(password=#): rejected; password=#');
  });

  it('a quote inside it is part of it; one that closes a string around the setting ends it', () => {
    expect(maskKeywordPasswords('password=ab"cd x', '#')).toBe('password=# x');
    expect(maskKeywordPasswords('{"dsn":"host=db password=s3cret","user":"x"}', '#')).toBe('{"dsn":"host=db password=#","user":"x"}');
  });

  it('the configured password is masked whole by the PostgreSQL policy (the keyword mask cut it first, so it was no longer found)', () => {
    const secrets = connectionSecrets('host=db password=hun;ter2 user=app', undefined);
    expect(secrets).toContain('hun;ter2');
    expect(redactPostgres('invalid connection string "host=db password=hun;ter2 user=app"', secrets)).toBe('invalid connection string "host=db password=*** user=app"');
  });

  it('a known password the patterns would cut (white space, a comma then `user:`) is masked whole: the storage policies mask known secrets first', () => {
    const secrets = connectionSecrets("host=db password='ab cdef'", undefined);
    expect(redactPostgres('password=ab cdef; config password: ab cdef', secrets)).toBe('password=***; config password: ***');
    expect(redactRedis('redis://u:p@ss,v:word@h', ['p@ss,v:word'])).toBe('redis://u:***@h');
  });

  // The message pattern before this fix (a bare value stopped at `) , ;` and quotes).
  const QUOTED = (q: string): string => String.raw`${q}(?:[^${q}\\]|\\[\s\S])*${q}|${q}(?:(?!\s\w+\s*=)[^${q}\\\n]|\\[^\n]?)*`;
  const BEFORE = new RegExp(String.raw`((?:\b|_|(?<=\bpg))password\s*=\s*)(${QUOTED("'")}|${QUOTED('"')}|(?:\\[\s\S]?|[^\s)'",;\\])+)`, 'gi');
  const before = (text: string): string => text.replace(BEFORE, '$1#');

  it('never shows more of 2,000 seeded passwords than the pattern before, in any setting shape', () => {
    const random = seeded(0x9a55);
    const worse: string[] = [];
    for (let n = 0; n < 2000; n++) {
      let pw = '';
      for (let i = 0; i < 16; i++) pw += PRINTABLE[Math.floor(random() * PRINTABLE.length)];
      const cases = [`password=${pw} host=db`, `(password=${pw})`, `(password=${pw}): next`, `"host=db password=${pw}"`, `password='${pw}' x`, `password="${pw}"`, `DB_PASSWORD=${pw}, next`, JSON.stringify({ dsn: `password=${pw}` }), `invalid URL postgres://password=${pw}@db/x`];
      for (const text of cases) {
        const now = maskKeywordPasswords(text, '#');
        const form = text.startsWith('{') ? JSON.stringify(pw).slice(1, -1) : pw;
        if (shown(now, form) > shown(before(text), form)) worse.push(`${JSON.stringify(text)}: ${JSON.stringify(now)}, before ${JSON.stringify(before(text))}`);
      }
    }
    expect(worse.slice(0, 5)).toEqual([]);
  });
});

describe('password settings the messages showed in clear', () => {
  it('sslpassword= (libpq, the client key passphrase)', () => {
    expect(maskKeywordPasswords('host=db sslpassword=k3y-pass sslmode=verify-full', '#')).toBe('host=db sslpassword=# sslmode=verify-full');
    expect(redactPostgres('sslpassword=k3y-pass PGSSLPASSWORD=x2', [])).toBe('sslpassword=*** PGSSLPASSWORD=***');
  });

  it('a JSON or YAML password key, keeping a closed quoted value quoted', () => {
    expect(maskKeywordPasswords('{"user":"app","password":"hun ter2","db":"x"}', '#')).toBe('{"user":"app","password":"#","db":"x"}');
    expect(maskKeywordPasswords("{'password': 'hunter2'}", '#')).toBe("{'password': '#'}");
    expect(maskKeywordPasswords('password: hunter2\nhost: db', '#')).toBe('password: #\nhost: db');
    // null holds no password; masking it with what followed ate the next key (review F4).
    expect(maskKeywordPasswords('{"db_password": null}', '#')).toBe('{"db_password": null}');
    expect(maskKeywordPasswords(JSON.stringify({ detail: JSON.stringify({ password: 'hunter2' }) }), '#')).toBe('{"detail":"{\\"password\\":\\"#\\"}"}');
    expect(redactPostgres('config {"password":"s3cret"} refused', [])).toBe('config {"password":"***"} refused');
  });

  it('leaves what is not a setting: a URL user named password, an SQL cast, prose without a separator', () => {
    expect(maskKeywordPasswords('redis://password:pw@h/0', '#')).toBe('redis://password:pw@h/0');
    expect(maskKeywordPasswords('select password::text; password authentication failed; passwords: 3', '#')).toBe('select password::text; password authentication failed; passwords: 3');
  });

  it('stays linear on hostile text', () => {
    const fill = (size: number, unit: string): string => unit.repeat(Math.ceil(size / unit.length));
    const slow: string[] = [];
    for (const unit of ['password:', '"password":"', 'password: ', 'password=a;', 'password=a"b', 'password=;', 'password=\\)', "'password':'a", 'sslpassword=', ';', '"', "password: 'a''", '\\"password\\":\\"a\\\\', '"password":1', 'password:\n ', 'password: a,b', 'password:\\\\\\"\\"']) {
      const text = (n: number): string => `password=${fill(n, unit)}`;
      const small = bestCpuMs(() => maskKeywordPasswords(text(100_000), '#'), 2);
      const large = bestCpuMs(() => maskKeywordPasswords(text(200_000), '#'), 2);
      if (large > 3 * small + 25 || small > 2000) slow.push(`${JSON.stringify(unit)}: ${small.toFixed(0)} ms, ${large.toFixed(0)} ms on twice the text`);
    }
    expect(slow).toEqual([]);
  });
});
