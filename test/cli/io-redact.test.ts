/**
 * The CLI's scrubber masks through core/redact.ts (the policy the notifiers and storage adapters
 * use): a registered secret never reaches the output, overlapping ones included, and the
 * output keeps its shape (`***` for each occurrence).
 */
import { describe, expect, it } from 'vitest';
import { scrubber } from '../../src/cli/io.js';

describe('the CLI scrubber', () => {
  it('masks a registered secret, each occurrence with `***`, and ignores values under 4 characters', () => {
    const scrub = scrubber();
    scrub.add('tok3n-value');
    scrub.add('abc');
    scrub.add(undefined);
    expect(scrub.apply('401 for tok3n-value (sent tok3n-value), abc')).toBe('401 for *** (sent ***), abc');
    expect(scrub.apply('tok3n-valuetok3n-value')).toBe('******');
  });

  it('masks overlapping secrets as one run (one after the other printed the rest of the second)', () => {
    const scrub = scrubber();
    scrub.add('alice_sec');
    scrub.add('secret9');
    expect(scrub.apply('token alice_secret9 refused')).toBe('token *** refused');
  });

  it('masks a JSON-escaped secret that overlaps another as one run too', () => {
    const scrub = scrubber();
    scrub.add('a"quote');
    scrub.add('quote-longer-secret');
    expect(scrub.apply(JSON.stringify({ m: 'a"quote and a"quote-longer-secret' }))).toBe(JSON.stringify({ m: '*** and ***' }));
  });
});
