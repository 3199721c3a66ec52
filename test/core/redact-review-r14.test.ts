/**
 * Two leaks a review of the secret masking found (fourteenth round). Each case showed the
 * secret before its fix.
 */
import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';

describe('a YAML block scalar in a JSON string, holding escaped quotes', () => {
  // In the view with the string's escapes undone, the block's `\"` and the string's closing
  // quote are both `"`: the block ended at the first one followed by `,`.
  const log = JSON.stringify({ msg: 'password: |\n  line1\n  {"k":"v1","s":"TOPSECRET"}\n', level: 'error' });

  it('ends at the quote that closes the string, not at one its text escaped', () => {
    expect(redact(log)).toBe('{"msg":"password: [redacted]\\n","level":"error"}');
    expect(redactPostgres(log, [])).toBe('{"msg":"password: ***\\n","level":"error"}');
  });

  it('one level deeper: the closing quote is the one escaped once, not thrice', () => {
    const nested = JSON.stringify({ m: log, at: 1 });
    expect(redact(nested)).not.toContain('TOPSECRET');
    expect(redact(nested)).toContain('\\"level\\":\\"error\\"}","at":1}');
  });
});

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
