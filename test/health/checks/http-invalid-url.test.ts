/**
 * checks.http refusing a URL it cannot parse does not echo it: a URL with credentials and a typo
 * (a space in the host) would put its password in the ConfigError's message, and in its cause
 * (Node's TypeError carries the whole URL as `input`), which a log prints.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../../src/core/errors.js';
import { checks } from '../../../src/health/checks/index.js';
import { thrownBy } from '../../helpers/thrown.js';

describe('checks.http and a URL it cannot parse', () => {
  it('names the option without showing the value (it may hold a password)', () => {
    const error = thrownBy(() => checks.http('https://monitor:s3cretpw@status.exa mple.com/health?token=tok-9f8e7d'));
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toBe('checks.http: url: not a valid URL, got (value not shown: it may hold a password)');
    const printed = inspect(error, { depth: 5 });
    for (const secret of ['s3cretpw', 'tok-9f8e7d']) expect(printed).not.toContain(secret);
  });

  it('shows one without user info up to its query', () => {
    const error = thrownBy(() => checks.http('https://status.exa mple.com/health?token=tok-9f8e7d'));
    expect((error as Error).message).toBe('checks.http: url: not a valid URL, got "https://status.exa mple.com/health"');
    expect(inspect(error, { depth: 5 })).not.toContain('tok-9f8e7d');
  });
});
