/**
 * The notifiers' second look, at the text with known secrets hidden, also reads JSON escapes: a
 * known secret with a space in a URL whose slashes JSON escaped ended the URL there, and its
 * query showed. Failed before the fix.
 */
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/notifiers/redact.js';

describe('a known secret in an escaped URL', () => {
  it('hides the URL past its host, as in a URL written plainly', () => {
    const secrets = ['correct horse'];
    expect(redact('{"m":"smtp://bob:correct horse@mail/x?token=t0ps3cr3t"}', secrets)).toBe('{"m":"smtp://[redacted]@mail/[redacted]"}');
    expect(redact('{"m":"smtp:\\/\\/bob:correct horse@mail\\/x?token=t0ps3cr3t"}', secrets)).toBe('{"m":"smtp:\\/\\/[redacted]@mail/[redacted]"}');
  });
});
