import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../../src/core/errors.js';
import { checks } from '../../../src/health/checks/index.js';
import { createMonitor, type Monitor } from '../../../src/monitor.js';
import { ManualClock } from '../../../src/testing/manual-clock.js';
import { track } from '../helpers.js';
import { freePort as closedPort } from '../../helpers/ports.js';

let server: Server;
let base: string;
const seen: { method?: string | undefined; auth?: string | undefined }[] = [];
let monitor: Monitor | undefined;

beforeEach(async () => {
  seen.length = 0;
  server = createServer((req, res) => {
    seen.push({ method: req.method, auth: req.headers.authorization });
    if (req.url?.startsWith('/hang')) return; // never answers
    const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
    res.statusCode = status;
    res.end('body that the check does not need');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('checks.http against a local node:http server', () => {
  it('is healthy on a 2xx and reports the status code', async () => {
    monitor = createMonitor();
    monitor.health.register('api', checks.http(`${base}/health?status=204`));
    expect((await monitor.health.check()).checks.api).toMatchObject({ status: 'healthy', details: { statusCode: 204 } });
  });

  it('is unhealthy on another status, without credentials or query in the message', async () => {
    monitor = createMonitor();
    const url = new URL(`${base}/health?status=500&token=secret`);
    url.username = 'user';
    url.password = 'pass';
    monitor.health.register('api', checks.http(url));
    const check = (await monitor.health.check()).checks.api;
    expect(check).toMatchObject({ status: 'unhealthy', message: `GET ${base}/health answered 500, expected 2xx`, details: { statusCode: 500 } });
    expect(check?.message).not.toMatch(/secret|pass/);
    // The credentials travel as Basic auth, as curl sends them.
    expect(seen[0]?.auth).toBe(`Basic ${Buffer.from('user:pass').toString('base64')}`);
  });

  it('honours expectStatus, method and headers', async () => {
    monitor = createMonitor();
    monitor.health.register('a', checks.http(`${base}/x?status=401`, { expectStatus: [200, 401], method: 'HEAD', headers: { authorization: 'Bearer t' } }));
    monitor.health.register('b', checks.http(`${base}/x?status=200`, { expectStatus: 204 }), { critical: false });
    const report = await monitor.health.check();
    expect(report.checks.a?.status).toBe('healthy');
    expect(report.checks.b?.message).toBe(`GET ${base}/x answered 200, expected 204`);
    expect(seen).toContainEqual({ method: 'HEAD', auth: 'Bearer t' });
  });

  it('is unhealthy with the reason when nothing listens', async () => {
    monitor = createMonitor();
    const port = await closedPort();
    monitor.health.register('api', checks.http(`http://127.0.0.1:${port}/health`));
    expect((await monitor.health.check()).checks.api?.message).toBe(`GET http://127.0.0.1:${port}/health failed: connect ECONNREFUSED 127.0.0.1:${port}`);
  });

  it('ends a hanging request at its own timeout, on the monitor clock', async () => {
    const clock = new ManualClock();
    monitor = createMonitor({ clock });
    monitor.health.register('api', checks.http(`${base}/hang`, { timeout: '300ms' }), { timeout: '5s' });
    const reached = once(server, 'request');
    const checking = monitor.health.check();
    const answer = track(checking);
    await reached; // the request reached the server
    clock.advance(299);
    await clock.idle();
    expect(answer.done).toBe(false);
    clock.advance(1);
    expect((await checking).checks.api).toMatchObject({ status: 'unhealthy', message: `GET ${base}/hang: no answer within 300 ms`, responseTime: 300 });
  });

  it('aborts the request when the registration timeout passes first', async () => {
    const clock = new ManualClock();
    monitor = createMonitor({ clock });
    const closed = new Promise<void>((resolve) => server.on('request', (req: IncomingMessage) => req.socket.on('close', resolve)));
    const reached = once(server, 'request');
    monitor.health.register('api', checks.http(`${base}/hang`), { timeout: 100 });
    const checking = monitor.health.check();
    await reached;
    clock.advance(100);
    expect((await checking).checks.api?.message).toBe('timed out after 100 ms');
    await closed; // the aborted request's socket is closed, or this hangs until the test times out
  });
});

describe('checks.http options', () => {
  it('rejects a bad URL, a non-http scheme and a bad expectStatus', () => {
    const attempts = [() => checks.http('not a url'), () => checks.http('ftp://example.com'), () => checks.http('http://x', { expectStatus: 42 })];
    const messages = attempts.map((make) => {
      try {
        make();
      } catch (error) {
        expect(isConfigError(error)).toBe(true);
        return (error as Error).message;
      }
      return 'no error';
    });
    expect(messages[0]).toBe('checks.http: url: not a valid URL, got "not a url"');
    expect(messages[1]).toBe('checks.http: url: must be http: or https:, got "ftp:"');
    expect(messages[2]).toMatch(/^checks\.http options: expectStatus: .*, got 42$/);
  });
});
