/**
 * A known secret written by a JSON encoder other than JSON.stringify: PHP's json_encode escapes
 * `/` and non-ASCII (`p\u00e4ss\/`), Go's encoding/json writes `&`, `<` and `>` as `\u0026`,
 * `\u003c`, `\u003e`, and JSON quoted in JSON escapes a `\u` again (`\\u00e4`). The secret's
 * forms, built with JSON.stringify, missed them. Each case showed the secret before the fix.
 */
import { describe, expect, it } from 'vitest';
import { maskSecrets } from '../../src/core/redact.js';
import { redact } from '../../src/notifiers/redact.js';
import { redactPostgres } from '../../src/storage/postgres/postgres-errors.js';
import { redactRedis } from '../../src/storage/redis/redis-errors.js';

describe('a known secret with \\u escapes JSON.stringify does not write', () => {
  it("PHP's json_encode: non-ASCII and a slash escaped", () => {
    expect(redact('{"e":"bad p\\u00e4ss\\/ here"}', ['päss/'])).toBe('{"e":"bad [redacted] here"}');
    expect(redactPostgres('{"e":"auth p\\u00C4ss\\/x failed"}', ['pÄss/x'])).toBe('{"e":"auth *** failed"}');
  });

  it("Go's encoding/json: & < > as \\u escapes", () => {
    expect(redactRedis('{"err":"WRONGPASS a\\u0026b\\u003cc\\u003e d"}', ['a&b<c>'])).toBe('{"err":"WRONGPASS *** d"}');
    expect(maskSecrets('x=\\u0026\\u0026\\u0026\\u0026;', ['&&&&'], '#')).toBe('x=#;');
  });

  it('escaped twice, in JSON quoted in JSON, and next to other masks', () => {
    expect(redact('{"m":"{\\"e\\":\\"bad p\\\\u00e4ss here\\"}"}', ['päss'])).toBe('{"m":"{\\"e\\":\\"bad [redacted] here\\"}"}');
    expect(redact('{"e":"a\\u0026bc and a&bc and token abcd"}', ['a&bc', 'abcd'])).toBe('{"e":"[redacted] and [redacted] and token [redacted]"}');
  });
});
