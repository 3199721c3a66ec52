import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checks } from '../../../src/health/checks/index.js';
import { createMonitor, type Monitor } from '../../../src/monitor.js';

// Two real servers on two ports (two origins): `first` redirects, `second` records what reached it.
const servers: Server[] = [];
let monitor: Monitor | undefined;

async function serve(handler: (url: string, headers: IncomingHttpHeaders, res: import('node:http').ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => handler(req.url ?? '/', req.headers, res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

describe('checks.http and redirects', () => {
  it('never forwards its headers to another origin', async () => {
    const reached: IncomingHttpHeaders[] = [];
    const other = await serve((_url, headers, res) => {
      reached.push(headers);
      res.end('ok');
    });
    const first = await serve((_url, _headers, res) => {
      res.writeHead(307, { location: `${other}/health` });
      res.end();
    });
    monitor = createMonitor();
    monitor.health.register('api', checks.http(`${first}/health`, { headers: { 'x-api-key': 'secret-key', authorization: 'Bearer secret-token' } }));
    const check = (await monitor.health.check()).checks.api;
    expect(check).toMatchObject({ status: 'healthy', details: { statusCode: 200 } });
    expect(reached).toHaveLength(1);
    expect(reached[0]!['x-api-key']).toBeUndefined();
    expect(reached[0]!.authorization).toBeUndefined();
  });

  it('keeps its headers on a redirect within the same origin', async () => {
    const keys: (string | string[] | undefined)[] = [];
    const base = await serve((url, headers, res) => {
      keys.push(headers['x-api-key']);
      if (url === '/old') {
        res.writeHead(302, { location: '/new' });
        return res.end();
      }
      res.end('ok');
    });
    monitor = createMonitor();
    monitor.health.register('api', checks.http(`${base}/old`, { headers: { 'x-api-key': 'k' } }));
    expect((await monitor.health.check()).checks.api).toMatchObject({ status: 'healthy' });
    expect(keys).toEqual(['k', 'k']);
  });

  it('answers unhealthy with the 3xx after too many redirects', async () => {
    let hits = 0;
    const base = await serve((_url, _headers, res) => {
      hits++;
      res.writeHead(302, { location: '/loop' });
      res.end();
    });
    monitor = createMonitor();
    monitor.health.register('api', checks.http(`${base}/loop`));
    expect((await monitor.health.check()).checks.api).toMatchObject({ status: 'unhealthy', details: { statusCode: 302 } });
    expect(hits).toBe(6);
  });
});
