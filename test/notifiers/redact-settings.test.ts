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
    // A key in prose: its value is one word (review R4); YAML at a line's start runs to the line's end.
    expect(safeError(new Error('config password: s3cret rejected\nretrying')).message).toBe('config password: [redacted] rejected\nretrying');
  });
});
