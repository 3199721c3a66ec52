/**
 * Review R4: a truncated error body without white space gave an empty snippet, the step that
 * drops the word cut by the truncation walking back over the whole body. Fails before the fix.
 */
import { describe, expect, it } from 'vitest';
import { errorSnippet } from '../../src/notifiers/http.js';

describe('errorSnippet of a truncated body without white space', () => {
  it('shows its start, as b09a894 did', () => {
    const body = `{"error":"bad_token","pad":"${'y'.repeat(65_600)}`;
    const snippet = errorSnippet(body, [], true);
    expect(snippet.startsWith('{"error":"bad_token","pad":"yyy')).toBe(true);
    expect(snippet.length).toBe(203);
  });

  it('still drops the end that may start a secret', () => {
    const secret = 'S3cretTokenValue';
    const body = `${'x'.repeat(300)}${secret.slice(0, 8)}`;
    expect(errorSnippet(body, [secret], true)).not.toContain('S3cret');
    expect(errorSnippet(`${'a '.repeat(150)}${secret.slice(0, 8)}`, [secret], true)).not.toContain('S3cret');
  });
});
