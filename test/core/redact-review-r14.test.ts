/**
 * Two leaks a review of the secret masking found (fourteenth round). Each case showed the
 * secret before its fix.
 */
import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';

describe('a known secret holding `/`, escaped twice by an encoder that escapes slashes (PHP)', () => {
  it('is masked without a `\\u` escape in the text', () => {
    const text = 'payload: "{\\"key\\":\\"wJalrXUtnFEMI\\\\\\/K7MDENG\\"}"';
    expect(maskSecrets(text, ['wJalrXUtnFEMI/K7MDENG'], '#')).toBe('payload: "{\\"key\\":\\"#\\"}"');
    expect(redact(text, ['wJalrXUtnFEMI/K7MDENG'])).toBe('payload: "{\\"key\\":\\"[redacted]\\"}"');
  });

  it('three times, with JSON.stringify and PHP mixed', () => {
    // PHP inside (`a\/b`), JSON.stringify once, then PHP again: `\\\\\\\/`.
    const php = (text: string): string => JSON.stringify(text).slice(1, -1).replace(/\//g, '\\/');
    const text = `x=${php(JSON.stringify(php('k/ey-s3cret')).slice(1, -1))} y=\\/`;
    expect(maskSecrets(text, ['k/ey-s3cret'], '#')).toBe('x=# y=\\/');
  });
});
