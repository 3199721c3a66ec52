/**
 * The one set of redaction patterns (src/core/redact.ts) that the notifiers and the storage
 * adapters mask with: each piece gives the exact masked form its callers' messages show.
 */
import { describe, expect, it } from 'vitest';
import { connectionPasswords, maskKeywordPasswords, maskSecrets, maskTokens, maskUrlPasswords, maskUrls } from '../../src/core/redact.js';
import { maskUrl, redactRedis } from '../../src/storage/redis/redis-errors.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';

describe('maskSecrets', () => {
  it('replaces a secret that holds another whole, whatever order they are given in', () => {
    expect(maskSecrets('user hunter2x, password hunter2', ['hunter2', 'hunter2x'], '***')).toBe('user ***, password ***');
  });

  it('leaves no part of secrets that overlap without one holding the other, in either order', () => {
    // Longest first alone masked `alice_sec` and left `ret9` of the password.
    expect(maskSecrets('for alice_secret9', ['secret9', 'alice_sec'], '***')).toBe('for ***');
    expect(maskSecrets('for alice_secret9', ['alice_sec', 'secret9'], '***')).toBe('for ***');
    expect(redactRedis('AUTH failed for alice_secret9', ['secret9', 'alice_sec'])).toBe('AUTH failed for ***');
  });

  it('masks overlapping occurrences of one secret whole, and occurrences that only touch apart', () => {
    expect(maskSecrets('got abababab', ['ababab'], '***')).toBe('got ***');
    expect(maskSecrets('got abcabc', ['abc'], '***')).toBe('got ******');
  });

  it('gives a run of overlapping secrets the mask of its longest, itself masked by the others', () => {
    const url = 'https://hooks.example.com/T0/XYZW';
    expect(maskSecrets(`at ${url}Zq`, [url, 'XYZWZq', 'hooks'], (s) => (s === url ? `https://hooks.example.com/#` : '#'))).toBe('at https://#.example.com/#');
  });

  it('skips strings under the minimum length, and masks through a function of the secret', () => {
    expect(maskSecrets('HTTP 500 in 1 ms, key abcd', ['1', 'abcd'], (s) => `<${s.length}>`, 4)).toBe('HTTP 500 in 1 ms, key <4>');
  });
});

describe('URL and connection-string patterns', () => {
  it('masks the password of URLs of the given schemes only, keeping the user', () => {
    const text = 'redis://bob:pw1@a rediss://bob:pw2@b postgres://bob:pw3@c';
    expect(maskUrlPasswords(text, ['redis', 'rediss'], '***')).toBe('redis://bob:***@a rediss://bob:***@b postgres://bob:pw3@c');
  });

  it('masks bare and quoted password= settings, a bare one up to punctuation', () => {
    expect(maskKeywordPasswords("(password=abc) password = 'a b\\'c' x", '***')).toBe("(password=***) password = *** x");
  });

  it("reads a connection string's URL and keyword passwords, raw and decoded", () => {
    expect(connectionPasswords('postgresql://app:s3cr%40t@db/x', ['postgres', 'postgresql'])).toEqual(['s3cr%40t', 's3cr@t']);
    expect(connectionPasswords("host=db password='p w d'", ['postgres'])).toEqual(['p w d']);
    expect(connectionPasswords('redis://app:pw@db', ['postgres'])).toEqual([]);
  });

  it('masks the user info, path and query of any URL, and bearer-style and Slack tokens', () => {
    expect(maskUrls('at https://u:p@h.example.com:8443/x?t=1 and http://h/', '#')).toBe('at https://#@h.example.com:8443/# and http://h/');
    // A scheme-like run longer than a scheme still gives up its URL's path (the scheme is bounded: an unbounded one took quadratic time on `a.a.a...`).
    expect(maskUrls(`${'a.'.repeat(40)}https://h/tok`, '#')).toBe(`${'a.'.repeat(40)}https://h/#`);
    expect(maskTokens('Authorization: Bearer abc.def-123, xoxb-1-2-x', '#')).toBe('Authorization: Bearer #, #');
  });
});

describe('the storage adapters mask with them', () => {
  it('Redis: URL passwords and known secrets, a secret that holds another replaced whole', () => {
    expect(maskUrl('rediss://bob:s3cret@cache:6380/0')).toBe('rediss://bob:***@cache:6380/0');
    // Given shortest first (as the adapter's list may be), the longer secret still goes whole.
    expect(redactRedis('auth for hunter2x failed', ['hunter2', 'hunter2x'])).toBe('auth for *** failed');
  });

  it('PostgreSQL: URL and keyword passwords and known secrets', () => {
    expect(redactPostgres('postgres://app:pw@db/x (password=pw) p4ss', ['p4ss'])).toBe('postgres://app:***@db/x (password=***) ***');
  });
});
