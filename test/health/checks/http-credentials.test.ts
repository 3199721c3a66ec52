/**
 * checks.http with credentials in the URL: malformed percent-encoding in the user or password
 * is a ConfigError naming the part, never the value (a secret), not a bare URIError.
 */
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../../src/core/errors.js';
import { checks } from '../../../src/health/checks/index.js';
import { thrownBy } from '../../helpers/thrown.js';

describe('checks.http credentials in the URL', () => {
  it('refuses a malformed percent-encoded password with a ConfigError that does not echo it', () => {
    const error = thrownBy(() => checks.http('http://user:s3cr%E0%A4%A@example.com/health'));
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/password holds malformed percent-encoding/);
    expect((error as Error).message).not.toContain('s3cr');
  });

  it('refuses a malformed percent-encoded user the same way', () => {
    const error = thrownBy(() => checks.http('http://us%ZZer%E0:pw@example.com/health'));
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/user holds malformed percent-encoding/);
  });

  it('still accepts well-formed encoded credentials', () => {
    expect(typeof checks.http('http://us%40er:p%25ss@example.com/health')).toBe('function');
  });
});
