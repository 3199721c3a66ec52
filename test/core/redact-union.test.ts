/**
 * Review h1b: the policies mask known secrets and patterns found in the message as given, the
 * union at once (F1); a `password=` setting written where a URL's user would be (F2); JSON and
 * YAML values the key patterns masked only part of (F3) or masked with the next key (F4). Each
 * case fails before the fix; the seeded property checks that a known secret never makes a policy
 * show more of an unknown credential than it shows knowing none.
 */
import { describe, expect, it } from 'vitest';
import { applyEdits, maskKeywordPasswords } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactRedis } from '../../src/storage/redis/redis-errors.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';
import { random as seeded } from '../helpers/random.js';
import { shown as shownRun } from '../helpers/shown.js';

/** How much of `form` `text` shows (runs of 4 characters or more). */
const shown = (text: string, form: string): number => shownRun(text, form, 4);

describe('F1: a known secret inside a scheme or a setting name', () => {
  it('does not stop the patterns masking a second, unknown credential', () => {
    expect(redactPostgres('connect to postgres://replica:R3plicaPw@db2:5432/app failed', ['postgres'])).toBe('connect to ***://replica:***@db2:5432/app failed');
    expect(redactPostgres('host=db2 password=R3plicaPw sslmode=require', ['password'])).toBe('host=db2 ***=*** sslmode=require');
    expect(redactRedis('READONLY replica redis://default:R3plicaPw@replica:6379', ['redis'])).toBe('READONLY replica ***://default:***@replica:6379');
    expect(redactPostgres('host=db2 password=R3plicaPw', ['pass'])).toBe('host=db2 ***word=***');
    expect(redactRedis('redis://default:R3plicaPw@replica:6379', ['//'])).toBe('redis:***default:***@replica:6379');
    expect(redactPostgres('postgres://app:R3plicaPw@db2/app', ['gres'])).toBe('post***://app:***@db2/app');
    expect(redact('POST https://u:R3plicaPw@hooks.example.com/a/b failed: password=Zz9x', ['https'])).toBe('POST [redacted]://[redacted]@hooks.example.com/[redacted] failed: password=[redacted]');
  });

  it('a known password the patterns would cut is still masked whole', () => {
    expect(redactPostgres('FATAL: password authentication failed password=ab cdef', ['ab cdef'])).toBe('FATAL: password authentication failed password=***');
    expect(redact('password=ab cdef x', ['ab cdef'])).toBe('password=[redacted] x');
  });

  it('never shows more of an unknown credential for a known secret than knowing none (2,000 seeded cases)', () => {
    const random = seeded(0xb1b);
    const ALNUM = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const policies: [string, (t: string, s: string[]) => string, (p: string) => string[]][] = [
      ['redactPostgres', redactPostgres, (p) => [`connect to postgres://replica:${p}@db2:5432/app failed`, `host=db2 password=${p} sslmode=require`, `invalid URL postgresql://password=${p}@db/x`, `{"password":"${p}","user":"u"}`]],
      ['redactRedis', redactRedis, (p) => [`READONLY replica redis://default:${p}@replica:6379`, `connect rediss://u:${p}@h1,u:${p}@h2 failed`]],
      ['redact', (t, s) => redact(t, s), (p) => [`POST https://u:${p}@hooks.example.com/a/b failed`, `535 auth (password=${p})`, `Authorization: Bearer ${p}`, `config password: ${p}`]],
    ];
    const worse: string[] = [];
    for (let n = 0; n < 2000; n++) {
      let pw = '';
      for (let i = 0; i < 10; i++) pw += ALNUM[Math.floor(random() * ALNUM.length)];
      const [name, policy, templates] = policies[n % policies.length]!;
      for (const text of templates(pw)) {
        // A known secret taken from the message around the credential (a scheme, a name, `://`).
        const around = text.split(pw).join('\u0000');
        const start = Math.floor(random() * around.length);
        const secret = around.slice(start, start + 1 + Math.floor(random() * 8)).split('\u0000')[0]!;
        if (secret === '') continue;
        const knowing = policy(text, [secret]);
        if (shown(knowing, pw) > shown(policy(text, []), pw)) worse.push(`${name} ${JSON.stringify(text)} knowing ${JSON.stringify(secret)}: ${JSON.stringify(knowing)}`);
      }
    }
    expect(worse.slice(0, 5)).toEqual([]);
  });

  it('applyEdits replaces overlapping ranges as one run with the longest one\'s replacement; touching ranges stay apart', () => {
    expect(applyEdits('abcdefgh', [[4, 6, '<b>'], [1, 5, '<a>'], [6, 7, '<c>']])).toBe('a<a><c>h');
    expect(applyEdits('abcdef', [[1, 3, '#'], [1, 3, '%'], [2, 2, '!']])).toBe('a#def');
    expect(applyEdits('abc', [])).toBe('abc');
  });
});

describe('F2: a `password=` setting where a URL user would be', () => {
  it('is masked (only a `:` after it makes it a URL user)', () => {
    expect(redactPostgres('invalid URL postgres://password=s3cret@db/x', [])).not.toContain('s3cret');
    expect(maskKeywordPasswords('bad url foo://password=hunter2 x', '#')).toBe('bad url foo://password=# x');
    expect(maskKeywordPasswords('redis://password:pw@h/0', '#')).toBe('redis://password:pw@h/0');
  });
});

describe('F3: key values the patterns masked only part of', () => {
  it('a string of JSON inside a JSON string runs to its closing `\\"`', () => {
    const text = JSON.stringify({ error: JSON.stringify({ password: 'correct horse', user: 'bob' }) });
    expect(redact(text)).toBe(JSON.stringify({ error: JSON.stringify({ password: '[redacted]', user: 'bob' }) }));
    const quoted = JSON.stringify({ error: JSON.stringify({ password: 'a "b" \\c d' }) });
    expect(JSON.parse(JSON.parse(redactPostgres(quoted, [])).error)).toEqual({ password: '***' });
    // At any depth, and one cut off runs to the end of the string around it.
    const deep = JSON.stringify({ e: JSON.stringify({ d: JSON.stringify({ password: 'a "b" c', user: 'bob' }) }) });
    expect(JSON.parse(JSON.parse(JSON.parse(redact(deep)).e).d)).toEqual({ password: '[redacted]', user: 'bob' });
    expect(redact('{"e":"{\\"password\\":\\"correct horse","next":1}')).toBe('{"e":"{\\"password\\":[redacted]","next":1}');
  });

  it('a YAML bare value runs to the end of its line, a single-quoted one reads `\'\'` as a quote', () => {
    expect(redact('password: correct horse battery staple\nhost: db')).toBe('password: [redacted]\nhost: db');
    expect(redact("password: 'it''s a secret'\nhost: db")).toBe("password: '[redacted]'\nhost: db");
    expect(redactPostgres('{password: correct horse, user: bob}', [])).toBe('{password: ***, user: bob}');
  });
});

describe('F4: key values that are structure, not a password', () => {
  it('a JSON literal is masked alone (a number) or left (null, true, false); the next key stays', () => {
    expect(redact('{"password":null,"user":"bob"}')).toBe('{"password":null,"user":"bob"}');
    expect(redact('{"password": true, "user":"bob"}')).toBe('{"password": true, "user":"bob"}');
    expect(redact('{"password":123456,"user":"bob"}')).toBe('{"password":[redacted],"user":"bob"}');
    expect(redactPostgres('{"password":-1.5e3}', [])).toBe('{"password":***}');
  });

  it('an object or an array is left', () => {
    expect(redact('{"password": {"type":"string"}}')).toBe('{"password": {"type":"string"}}');
    expect(redact('{"password":["a","b"],"user":"bob"}')).toBe('{"password":["a","b"],"user":"bob"}');
    expect(redact('password:\nhost: db')).toBe('password:\nhost: db');
    // An indented next line continues a YAML value.
    expect(redact('password:\n  hunter2\nhost: db')).toBe('password:\n  [redacted]\nhost: db');
  });
});

describe('a known secret in more quoted forms', () => {
  it('JSON with non-ASCII as \\uXXXX (either case), and `*` percent-encoded as %2A', () => {
    expect(redact('{"error":"bad key p\\u00e4sswort1"}', ['pässwort1'])).toBe('{"error":"bad key [redacted]"}');
    expect(redactPostgres('{"e":"p\\u00E4ss \\uD83D\\uDE00x"}', ['päss 😀x'])).toBe('{"e":"***"}');
    expect(redactRedis('AUTH ab%2Acd%2Aef or ab%2acd%2aef refused', ['ab*cd*ef'])).toBe('AUTH *** or *** refused');
    expect(redact('sent k=ab%2Acd+ef', ['ab*cd ef'])).toBe('sent k=[redacted]');
  });
});
