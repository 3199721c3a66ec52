/**
 * The review of the redaction fixes (7d4d770, 327d6fb): a URL password's mask ran over a JSON
 * neighbour or a second host (F5), a password holding `@` then `/ ? #` showed its middle (F1),
 * the notifiers cut an Azure-style user's password (F2), an escaped quote ending a bare keyword
 * password was read as a closing quote (F3), an unclosed quote masked the rest of a message
 * (F7), and the CLI's masking built an object per hit (F8). Each case fails before the fix.
 */
import { describe, expect, it } from 'vitest';
import { connectionPasswords, maskKeywordPasswords, maskSecrets, maskUrlPasswords, maskUrls } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactRedis } from '../../src/storage/redis/redis-errors.js';
import { connectionSecrets, redactPostgres } from '../../src/storage/postgres/postgres-errors.js';
import { scrubber } from '../../src/cli/io.js';
import { bestCpuMs } from '../helpers/cpu-time.js';

describe('F5: a URL password mask stops before what cannot be in it', () => {
  it('keeps the host and the JSON neighbours of a URL in compact JSON', () => {
    const json = '{"url":"redis://u:pw@h:6379","owner":"ops@example.com"}';
    expect(redactRedis(json, [])).toBe('{"url":"redis://u:***@h:6379","owner":"ops@example.com"}');
    expect(redact(json)).toBe('{"url":"redis://[redacted]@h:6379","owner":"ops@example.com"}');
    const slash = '{"url":"postgres://u:p/w@h/db","owner":"ops@example.com"}';
    expect(redactPostgres(slash, [])).toBe('{"url":"postgres://u:***@h/db","owner":"ops@example.com"}');
    expect(redact(slash)).toBe('{"url":"postgres://[redacted]@h/[redacted]","owner":"ops@example.com"}');
    expect(redactRedis(`'redis://u:p@ss@h:1' and "x@y"`, [])).toBe(`'redis://u:***@h:1' and "x@y"`);
  });

  it('masks each password of a multi-host URL and keeps the hosts between', () => {
    expect(redactRedis('redis://u:pw@h1,u2:pw2@h2/0', [])).toBe('redis://u:***@h1,u2:***@h2/0');
    expect(redact('redis://u:pw@h1,u2:pw2@h2/0')).toBe('redis://[redacted]@h1,[redacted]@h2/[redacted]');
    // Any other comma is read as part of the password: more hidden, never less.
    expect(redactRedis('redis://u:p@ss,word@h', [])).toBe('redis://u:***@h');
  });

  it("does not take a query value's `@` for the password's", () => {
    expect(redactPostgres('postgres://u:p?w@h/db?application_name=a@b', [])).toBe('postgres://u:***@h/db?application_name=a@b');
    expect(redactPostgres('postgres://u:p?w@h/db?sslmode=require&application_name=a@b', [])).toBe('postgres://u:***@h/db?sslmode=require&application_name=a@b');
  });

  it('still masks a password holding a quote or a brace (no `/ ? # @` in it), as before 7d4d770', () => {
    expect(redactRedis('redis://u:ab"c{d}\'e@h:6379', [])).toBe('redis://u:***@h:6379');
  });
});

describe('F1: a URL password holding `@` then `/ ? #` is masked to its last `@`', () => {
  it('through every policy', () => {
    expect(redactRedis('redis://u:p@ss/word@host:6379', [])).toBe('redis://u:***@host:6379');
    expect(redactPostgres('postgres://u:p@ss?x#y@db/x', [])).toBe('postgres://u:***@db/x');
    expect(redact('https://u:p@ss/word@h.example.com/x')).toBe('https://[redacted]@h.example.com/[redacted]');
    expect(maskUrlPasswords('redis://u:abc@SECRETPART/rest@host', ['redis'], '#')).toBe('redis://u:#@host');
  });

  it('is read as a connection secret both as masked and as a URL parser reads the authority', () => {
    expect(connectionPasswords('postgres://u:Pa55@db/x@y', ['postgres'])).toEqual(['Pa55@db/x', 'Pa55']);
  });
});

describe('F2: a notifier masks the password of an Azure-style user (`app@srv`) holding `/`', () => {
  it('shows no part of it', () => {
    expect(redact('postgres://app@srv:s3/cret@srv.example.com/x')).toBe('postgres://[redacted]@srv.example.com/[redacted]');
    expect(maskUrls('postgres://app@srv:s3/cret@srv.example.com/x', '#')).not.toContain('s3');
  });
});

describe('F3: a bare keyword password ending in an escaped quote', () => {
  it('keeps its quote, and is read unescaped too', () => {
    expect(connectionSecrets("host=db password=s3cret\\' user=x", undefined)).toEqual(["s3cret\\'", "s3cret'"]);
    expect(redactPostgres(`FATAL: password "s3cret'" rejected`, connectionSecrets("host=db password=s3cret\\' user=x", undefined))).toBe('FATAL: password "***" rejected');
    // A quoted one still loses its quotes, an escaped backslash before the closing one included.
    expect(connectionSecrets("host=db password='s3 c\\\\' user=x", undefined)).toEqual(['s3 c\\\\', 's3 c\\']);
  });
});

describe('F7: an unclosed quoted keyword value is masked to a bounded point', () => {
  it('the white space before the next `key=`, or the end of the line', () => {
    expect(maskKeywordPasswords("error: password=' expected a value; host=db port=5432 user=bob", '***')).toBe('error: password=*** host=db port=5432 user=bob');
    expect(maskKeywordPasswords("failed: password='a b3cret\nnext line", '***')).toBe('failed: password=***\nnext line');
    expect(maskKeywordPasswords("failed: password='a b3cret", '***')).toBe('failed: password=***');
  });
});

describe('keyword forms a message may show', () => {
  it('double-quoted values and PGPASSWORD= / *_password= names', () => {
    expect(redactPostgres('password="hunter2" x', [])).toBe('password=*** x');
    expect(redactPostgres('PGPASSWORD=hunter2 db_password=hunter3 DB_PASSWORD=x passwords=ok', [])).toBe('PGPASSWORD=*** db_password=*** DB_PASSWORD=*** passwords=ok');
  });
});

describe('F8: maskSecrets is linear in the hits', () => {
  it('1 MB of `a` with `aaaa` known costs about a plain replacement, not an object and a sort per hit', () => {
    const text = 'a'.repeat(1_000_000);
    const cpu = (f: () => unknown): number => bestCpuMs(f, 3);
    const scrub = scrubber();
    scrub.add('aaaa');
    expect(scrub.apply(text)).toBe('***');
    // A linear baseline on the same machine, at the same moment: a million indexOf calls.
    const baseline = cpu(() => {
      let n = 0;
      for (let at = text.indexOf('aaaa'); at !== -1; at = text.indexOf('aaaa', at + 1)) n++;
      return n;
    });
    const masking = cpu(() => maskSecrets(text, ['aaaa', 'aaaaa'], '***'));
    // Was ~30x the baseline (object per hit, sort); now ~2-4x.
    expect(masking).toBeLessThan(12 * baseline + 20);
  });

  it('keeps overlapping secrets as one run with the longest secret\'s mask', () => {
    expect(maskSecrets('for alice_secret9!', ['alice_sec', 'secret9'], (s) => `<${s}>`)).toBe('for <alice_sec>!');
    expect(maskSecrets('x abcabc ababab', ['abc', 'abab'], '#')).toBe('x ## #');
    expect(maskSecrets('empty', [''], '#', 0)).toBe('empty');
  });
});

describe('smaller gaps', () => {
  it('Slack and GitHub token shapes glued to the word before them', () => {
    expect(redact('errorxoxb-123-456-abcdef failed')).toBe('error[redacted] failed');
    expect(redact(`tokenghp_${'a1'.repeat(10)} refused`)).toBe('token[redacted] refused');
  });

  it("a PostgreSQL URL's `?password=` is read as a connection secret", () => {
    expect(connectionSecrets('postgres://app@db/x?sslmode=require&password=s3cr%3Ft', undefined)).toEqual(expect.arrayContaining(['s3cr%3Ft', 's3cr?t']));
    expect(redactPostgres('auth failed with s3cr?t', connectionSecrets('postgres://app@db/x?password=s3cr%3Ft', undefined))).toBe('auth failed with ***');
  });
});

describe('a known secret as a message may quote it', () => {
  it('JSON-escaped, and with lowercase percent-encoding, through the storage and notifier policies', () => {
    const url = 'redis://u:p%40ss%20w%22rd%5C@h:6379';
    const secrets = ['p%40ss%20w%22rd%5C', 'p@ss w"rd\\'];
    expect(redactRedis(JSON.stringify({ m: 'auth failed: p@ss w"rd\\' }), secrets)).toBe(JSON.stringify({ m: 'auth failed: ***' }));
    expect(redactRedis('pw=p%40ss%20w%22rd%5c', secrets)).toBe('pw=***');
    expect(redactPostgres(JSON.stringify({ e: 'p@ss w"rd' }), connectionSecrets(undefined, 'p@ss w"rd'))).toBe(JSON.stringify({ e: '***' }));
    expect(redact(`sent ${url.toLowerCase()}`, [url])).not.toContain('w%22rd');
  });
});
