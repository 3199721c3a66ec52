/**
 * Password settings in any message a notifier redacts (an SMTP server's reply, a custom
 * notifier's error, a network error), not only in a receiver's HTTP answer.
 */
import { describe, expect, it } from 'vitest';
import { redact, safeError } from '../../src/notifiers/redact.js';

describe('redact and password settings', () => {
  it('masks libpq, JSON and YAML password settings with [redacted]', () => {
    expect(redact('535 auth failed (password=hun;ter2)')).toBe('535 auth failed (password=[redacted])');
    expect(redact('{"user":"ops","password":"s3cret"}')).toBe('{"user":"ops","password":"[redacted]"}');
    // After a key's `:` the value runs to the end of its line (YAML `password: correct horse`).
    expect(safeError(new Error('config password: s3cret rejected\nretrying')).message).toBe('config password: [redacted]\nretrying');
  });
});
