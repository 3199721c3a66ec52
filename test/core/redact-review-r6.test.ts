/**
 * Review R6: ending a password value before another password key (review R4's fix) showed a
 * password holding such key text, in whole or in part, where commit b09a894 masked it: the
 * settings are now read both ways and the masks joined. Each case fails before the fix.
 */
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/notifiers/redact.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';

const cases: [string, string][] = [
  // A quote left open, the value starting with a key whose own value masks nothing: all shown.
  [`password='password:""hunter2`, 'password=***'],
  [`password='password:null,hunter2 x`, 'password=***'],
  [`password='_password:""hunter2`, 'password=***'],
  [`password="password:''}hunter2;, user=x`, 'password=*** user=x'],
  // A quote left open runs to the end of its line, as before.
  [`password='x;password=def ghi jkl`, 'password=***'],
  // Key text inside a bare password.
  ['password=x-password=', 'password=***'],
  ['password=abc.password:null,rest', 'password=***'],
  ['password=password:true,hunter2', 'password=***'],
];

describe('R6: a password holding password-key text', () => {
  it('is masked whole by the PostgreSQL policy', () => {
    for (const [message, masked] of cases) expect(redactPostgres(message, []), message).toBe(masked);
  });

  it('is masked whole by the notifiers', () => {
    for (const [message, masked] of cases) expect(redact(message), message).toBe(masked.replaceAll('***', '[redacted]'));
  });
});

describe('R6: a known secret shaped like a URL', () => {
  it('is not described by a scheme and host that are most of it, in any case', () => {
    expect(redact('failed for HTTP://SECRETHOST now', ['HTTP://SECRETHOST'])).toBe('failed for [redacted] now');
    expect(redact('failed for Ab://cdef now', ['Ab://cdef'])).toBe('failed for [redacted] now');
    expect(redact('failed for B:// now', ['B://'])).toBe('failed for [redacted] now');
    // A webhook URL still says where it went.
    expect(redact('POST https://hooks.slack.com/services/T0/B0/xyz failed', ['https://hooks.slack.com/services/T0/B0/xyz'])).toBe('POST https://hooks.slack.com/[redacted] failed');
  });
});
