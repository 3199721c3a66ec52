/**
 * checks.http and a redirect whose Location carries credentials (and a signed query): fetch
 * refuses such a URL with an error that quotes it whole, which went into the health answer,
 * often public. The check does not follow such a redirect (it answers with the 3xx), and any
 * URL a failure's reason quotes shows its scheme and host only.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checks } from '../../../src/health/checks/index.js';
import { createMonitor, type Monitor } from '../../../src/monitor.js';

const servers: Server[] = [];
let monitor: Monitor | undefined;

afterEach(async () => {
  vi.unstubAllGlobals();
  await monitor?.close();
  monitor = undefined;
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

async function redirecting(location: string): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(302, { location });
    res.end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
}

describe('checks.http and URLs in a failure', () => {
  it('does not follow a redirect to a URL with credentials, and shows none of it', async () => {
    const url = await redirecting('http://svc:upstream-pw-123@127.0.0.1:9/next?sig=abcd1234');
    monitor = createMonitor();
    monitor.health.register('up', checks.http(url));
    const check = (await monitor.health.check()).checks.up;
    expect(check?.status).toBe('unhealthy');
    expect(check?.message).toBe(`GET ${url} answered 302, expected 2xx`);
  });

  it("shows a URL quoted by fetch's error with its scheme and host only", async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('proxy refused https://agent:agent-pw-99@proxy.internal:3128/tunnel?key=k-7788 for this request')));
    monitor = createMonitor();
    monitor.health.register('api', checks.http('https://api.example.com/health'));
    const message = (await monitor.health.check()).checks.api?.message ?? '';
    expect(message).toMatch(/^GET https:\/\/api\.example\.com\/health failed: proxy refused https:\/\/\*\*\*@proxy\.internal:3128\/\*\*\* for this request$/);
  });
});
