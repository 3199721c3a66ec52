/**
 * checks.http never shows a secret in a failure: a header fetch cannot send is refused when the
 * check is made (fetch's own error quotes the value), and a failure's reason is masked of the
 * URL's credentials and query values and of the header values, whatever the fetch in use says.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isConfigError } from '../../../src/core/errors.js';
import { checks } from '../../../src/health/checks/index.js';
import { createMonitor, type Monitor } from '../../../src/monitor.js';
import { thrownBy } from '../../helpers/thrown.js';

let monitor: Monitor | undefined;

afterEach(async () => {
  vi.unstubAllGlobals();
  await monitor?.close();
  monitor = undefined;
});

describe('checks.http and secrets', () => {
  it("refuses a header value fetch cannot send with a ConfigError naming the header, not the value (fetch's error quotes it)", async () => {
    // What the check's message said before: fetch's TypeError with the value in it.
    const raw = await fetch('http://127.0.0.1:9/', { headers: { 'x-api-key': 'sekrit\u0000token' } }).then(
      () => '',
      (error: Error) => error.message,
    );
    expect(raw).toContain('sekrit');
    for (const value of ['sekrit\u0000token', 'sekrit\rtoken', 'sekrit\u0100token']) {
      const error = thrownBy(() => checks.http('http://127.0.0.1:9/health', { headers: { 'x-api-key': value } }));
      expect(isConfigError(error)).toBe(true);
      expect((error as Error).message).toContain('"x-api-key"');
      expect((error as Error).message).not.toContain('sekrit');
    }
    expect(isConfigError(thrownBy(() => checks.http('http://127.0.0.1:9/health', { headers: { 'x api': 'v' } })))).toBe(true);
  });

  it('still takes ordinary headers, a trailing newline included (fetch trims it)', () => {
    expect(typeof checks.http('http://127.0.0.1:9/health', { headers: { authorization: 'Bearer abc\n', 'x-api-key': 'k-1' } })).toBe('function');
  });

  it("masks the URL's password, path and query values and the header values in a failure's reason", async () => {
    // A fetch (another runtime's, or a proxy agent's) whose errors echo the request.
    vi.stubGlobal('fetch', (url: string, init: { headers: Record<string, string> }) =>
      Promise.reject(new TypeError(`request to ${url} with ${JSON.stringify(init.headers)} failed`)),
    );
    monitor = createMonitor();
    monitor.health.register('api', checks.http('https://user:pa55word@api.example.com/health?token=tok-9f8e7d', { headers: { 'x-api-key': 'key-1234abcd' } }));
    const message = (await monitor.health.check()).checks.api?.message ?? '';
    expect(message).toMatch(/^GET https:\/\/api\.example\.com\/health failed: request to /);
    for (const secret of ['pa55word', 'tok-9f8e7d', 'key-1234abcd', btoa('user:pa55word')]) expect(message).not.toContain(secret);
    expect(message).toContain('***');
  });
});
