/**
 * Review R4: a `password=` value ran over a second password key, whose value then showed (1);
 * a `password:` key in prose masked the rest of its line, and the next line's stack frame (3);
 * an empty value was replaced by a mask (3). Each case fails before the fix.
 */
import { describe, expect, it } from 'vitest';
import { maskKeywordPasswords } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';

describe('R4-1: a value ends before another password key, and both are masked', () => {
  it('masks both values (storage policies); the key between them may go with the first value (review R6: both readings joined)', () => {
    expect(redactPostgres('password=a;password= hunter2 host=db', [])).toBe('password=*** *** host=db');
    expect(redactPostgres('Server=db;Password=;Password= hunter2;', [])).toBe('Server=db;Password=*** ***;');
    expect(redactPostgres('sslpassword=abc,password= hunter2', [])).toBe('sslpassword=*** ***');
    expect(redactPostgres('password=x"password = hunter2 host=db', [])).toBe('password=*** = *** host=db');
    expect(redactPostgres("x password:(password=') hunter2", [])).toBe('x password:******');
  });

  it('in the notifiers, and after a key in prose', () => {
    expect(redact('password=a;password= hunter2 host=db')).toBe('password=[redacted] [redacted] host=db');
    expect(maskKeywordPasswords('password: password=ab}}}}}', '#')).toBe('password: #');
  });
});

describe('R4-3: a `password:` key in prose masks one word, YAML and JSON keys their value', () => {
  it('leaves the rest of a prose line and the next line', () => {
    expect(redact('expected password: string, got number at path $.user.name')).toBe('expected password: [redacted], got number at path $.user.name');
    expect(redactPostgres('change password: POST /api/users/42/password returned 403', [])).toBe('change password: *** /api/users/42/password returned 403');
    const stack = 'Error: invalid password:\n    at validate (/app/src/x.ts:1:2)';
    expect(redactPostgres(stack, [])).toBe(stack);
    expect(maskKeywordPasswords('reset link sent; password: unchanged. See the docs', '#')).toBe('reset link sent; password: # See the docs');
  });

  it('masks a YAML or JSON value to the end of its line, and an indented value after a bare key', () => {
    expect(maskKeywordPasswords('password: correct horse battery\nhost: db', '#')).toBe('password: #\nhost: db');
    expect(maskKeywordPasswords('db:\n  - password: correct horse\n  db_password: a b', '#')).toBe('db:\n  - password: #\n  db_password: #');
    expect(maskKeywordPasswords('{"password": correct horse, "user": "bob"}', '#')).toBe('{"password": #, "user": "bob"}');
    expect(maskKeywordPasswords('{user: bob, password: correct horse}', '#')).toBe('{user: bob, password: #}');
    expect(maskKeywordPasswords('password:\n  hunter2\nuser: x', '#')).toBe('password:\n  #\nuser: x');
  });

  it('leaves an empty value as it is (nothing to hide; it shows the misconfiguration)', () => {
    expect(redact('{"password":"","user":"bob"}')).toBe('{"password":"","user":"bob"}');
    expect(redactPostgres("{'password': ''}", [])).toBe("{'password': ''}");
    expect(redact(JSON.stringify({ e: JSON.stringify({ password: '' }) }))).toBe(JSON.stringify({ e: JSON.stringify({ password: '' }) }));
    expect(redactPostgres('password=', [])).toBe('password=');
  });
});

describe('R4-2: the notifiers read URLs and tokens with the known secrets hidden too', () => {
  it('a secret with white space in a URL still hides the rest of the URL, as b09a894 did', () => {
    const message = 'connect smtp://bob:correct horse@mail.example.com/x?token=abcdefgh failed';
    expect(redact(message, ['correct horse'])).toBe('connect smtp://[redacted]@mail.example.com/[redacted] failed');
    expect(redact('POST https://h.example.com/a"b/T0KEN?k=abcdefgh', ['a"b'])).not.toContain('abcdefgh');
  });

  it('a token after a secret glued to its scheme word', () => {
    expect(redact('passwordBearer abcd1234@h', ['password'])).toBe('[redacted]Bearer [redacted]@h');
  });
});

describe('R4-1: a `:` key that masks nothing does not end the value around it', () => {
  it('masks the whole value, as b09a894 did', () => {
    expect(redactPostgres('password=password:{xoxb-112', [])).toBe('password=***');
    expect(redactPostgres("'password=password:[abcd_abcd] host=db", [])).toBe("'password=*** host=db");
  });
});

describe('R4 fuzzing: what the notifiers showed at the start commit too', () => {
  it('a token after a repeated scheme word, and a known secret that is a URL without a host', () => {
    expect(redact('auth Bearer Bearer abcd1234 refused')).toBe('auth Bearer [redacted] [redacted] refused');
    expect(redact('x b:// y', ['b://'])).toBe('x [redacted] y');
  });
});
