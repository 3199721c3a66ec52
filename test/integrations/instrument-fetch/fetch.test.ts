import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor, type PulsewatchError } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { FETCH_METRICS, instrumentFetch, timedFetch } from '../../../src/integrations/instrument/fetch.js';
import { hostOf, methodOf } from '../../../src/integrations/instrument/fetch-labels.js';
import { closeAfterEach } from '../../helpers/closing.js';
import { freePort } from '../../helpers/ports.js';
import { labelValues, samplesOf, valueOf } from '../instrument-helpers/exposition.js';

const closing = closeAfterEach();
let server: Server;
let origin: string;
let host: string;
/** Requests the server holds until the test answers them. */
const held: { req: IncomingMessage; res: ServerResponse }[] = [];
let arrived: (() => void) | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/hold')) {
      held.push({ req, res });
      arrived?.();
      return;
    }
    res.statusCode = req.url?.startsWith('/missing') ? 404 : 200;
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  origin = `http://${host}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function setup(): { monitor: Monitor; clock: ManualClock; errors: PulsewatchError[] } {
  const clock = new ManualClock();
  const monitor = closing(createMonitor({ service: 'fetch-test', clock }));
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  return { monitor, clock, errors };
}

const requests = (monitor: Monitor, labels: Record<string, string>): number | undefined => valueOf(monitor, FETCH_METRICS.requests, labels);

describe('timedFetch against a local node:http server', () => {
  it('counts requests by method, host and status', async () => {
    const { monitor, errors } = setup();
    const fetch = timedFetch(monitor, globalThis.fetch);
    expect((await fetch(`${origin}/a`)).status).toBe(200);
    await (await fetch(`${origin}/b`, { method: 'post', body: 'x' })).text();
    await (await fetch(new Request(`${origin}/missing`, { method: 'DELETE' }))).text();
    expect(requests(monitor, { method: 'GET', host, status: '200' })).toBe(1);
    expect(requests(monitor, { method: 'POST', host, status: '200' })).toBe(1);
    expect(requests(monitor, { method: 'DELETE', host, status: '404' })).toBe(1);
    expect(errors).toEqual([]);
  });

  it('times a request until its response headers, on the monitor clock', async () => {
    const { monitor, clock } = setup();
    const fetch = timedFetch(monitor, globalThis.fetch);
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const pending = fetch(`${origin}/hold`);
    await reached;
    clock.advance(120);
    held.shift()!.res.end('late');
    await (await pending).text();
    const labels = { method: 'GET', host, status: '200' };
    expect(valueOf(monitor, `${FETCH_METRICS.duration}_sum`, labels)).toBeCloseTo(0.12, 9);
    expect(valueOf(monitor, `${FETCH_METRICS.duration}_bucket`, { ...labels, le: '0.1' })).toBe(0);
    expect(valueOf(monitor, `${FETCH_METRICS.duration}_bucket`, { ...labels, le: '0.25' })).toBe(1);
  });

  it('labels a refused connection `error` and an aborted request `aborted`, and rejects as fetch did', async () => {
    const { monitor } = setup();
    const fetch = timedFetch(monitor, globalThis.fetch);
    const closedPort = await freePort();
    await expect(fetch(`http://127.0.0.1:${closedPort}/`)).rejects.toThrow(/fetch failed/);
    const controller = new AbortController();
    const reached = new Promise<void>((resolve) => (arrived = resolve));
    const pending = fetch(`${origin}/hold`, { signal: controller.signal });
    await reached;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    held.shift()!.res.destroy();
    expect(requests(monitor, { method: 'GET', host: `127.0.0.1:${closedPort}`, status: 'error' })).toBe(1);
    expect(requests(monitor, { method: 'GET', host, status: 'aborted' })).toBe(1);
  });

  it('keeps credentials, paths, query strings and fragments out of every label', async () => {
    const { monitor } = setup();
    const fetch = timedFetch(monitor, globalThis.fetch);
    const hostile = `http://127.0.0.1:${host.split(':')[1]}/users/42/reset?token=sk_live_secret&password=hunter2#frag`;
    await (await fetch(hostile)).text();
    const url = new URL(`${origin}/x?api_key=AKIAIOSFODNN7`);
    url.username = 'admin';
    url.password = 'p4ssw0rd';
    // undici refuses credentials in a URL: the request fails, and still gets only the host as its label.
    await fetch(url).catch(() => undefined);
    const text = monitor.exportPrometheusMetrics();
    for (const secret of ['sk_live', 'hunter2', 'token', 'users', 'frag', 'admin', 'p4ssw0rd', 'AKIA', 'api_key']) expect(text).not.toContain(secret);
    expect(labelValues(monitor, FETCH_METRICS.requests, 'host')).toEqual([host]);
  });

  it('keeps at most maxHosts host labels: 10,000 distinct hosts cost maxHosts + 1 series', async () => {
    const { monitor } = setup();
    const fake = async (_input: string): Promise<{ status: number }> => ({ status: 200 });
    const fetch = timedFetch(monitor, fake, { maxHosts: 50 });
    for (let i = 0; i < 10_000; i++) await fetch(`https://tenant-${i}.example.com/api?i=${i}`);
    const hosts = labelValues(monitor, FETCH_METRICS.requests, 'host');
    expect(hosts).toHaveLength(51);
    expect(hosts).toContain('other');
    expect(requests(monitor, { method: 'GET', host: 'other', status: '200' })).toBe(9_950);
    expect(samplesOf(monitor, FETCH_METRICS.requests)).toHaveLength(51);
  });

  it('labels statuses by class when asked, and bounds odd methods and statuses', async () => {
    const { monitor } = setup();
    const statuses = [204, 503, 1_000];
    const fake = async (_input: string, _init?: RequestInit): Promise<{ status: number }> => ({ status: statuses.shift()! });
    const fetch = timedFetch(monitor, fake, { statusLabel: 'class' });
    await fetch('https://a.example/', { method: 'PROPFIND' });
    await fetch('https://a.example/');
    await fetch('https://a.example/');
    expect(requests(monitor, { method: 'OTHER', host: 'a.example', status: '2xx' })).toBe(1);
    expect(requests(monitor, { method: 'GET', host: 'a.example', status: '5xx' })).toBe(1);
    expect(requests(monitor, { method: 'GET', host: 'a.example', status: 'other' })).toBe(1);
  });
});

describe('host and method labels', () => {
  it('take the host and a non-default port only', () => {
    expect(hostOf('https://user:pw@API.Example.COM:443/x?y=1')).toBe('api.example.com');
    expect(hostOf('http://example.com:8080/')).toBe('example.com:8080');
    expect(hostOf(new URL('https://[::1]:9000/a'))).toBe('[::1]:9000');
    expect(hostOf('https://bücher.example/')).toBe('xn--bcher-kva.example');
    expect(hostOf('/relative')).toBe('invalid');
    expect(hostOf('data:text/plain,hello')).toBe('data');
    expect(hostOf('ftp://example.com/')).toBe('invalid');
    expect(hostOf(42)).toBe('invalid');
    expect(methodOf('https://x', { method: 'patch' })).toBe('PATCH');
    expect(methodOf({ url: 'https://x', method: 'PUT' }, undefined)).toBe('PUT');
    expect(methodOf('https://x', { method: 'x'.repeat(1_000) })).toBe('OTHER');
  });
});

describe('instrumentFetch', () => {
  it('times the global fetch, once per monitor, and puts it back when removed or when the monitor closes', async () => {
    const original = globalThis.fetch;
    const { monitor } = setup();
    const remove = instrumentFetch(monitor);
    try {
      expect(instrumentFetch(monitor)).toBe(remove);
      expect(globalThis.fetch).not.toBe(original);
      await (await fetch(`${origin}/global`)).text();
      expect(requests(monitor, { method: 'GET', host, status: '200' })).toBe(1);
    } finally {
      remove();
    }
    expect(globalThis.fetch).toBe(original);
    await (await fetch(`${origin}/global`)).text();
    expect(requests(monitor, { method: 'GET', host, status: '200' })).toBe(1);

    const other = createMonitor({ service: 'closing' });
    instrumentFetch(other);
    expect(globalThis.fetch).not.toBe(original);
    await other.close();
    expect(globalThis.fetch).toBe(original);
  });

  it('leaves a fetch installed over it in place, passing calls through once removed', async () => {
    const original = globalThis.fetch;
    const { monitor } = setup();
    const remove = instrumentFetch(monitor);
    const ours = globalThis.fetch;
    const theirs: typeof fetch = (input, init) => ours(input, init);
    globalThis.fetch = theirs;
    try {
      remove();
      expect(globalThis.fetch).toBe(theirs);
      await (await fetch(`${origin}/through`)).text();
      expect(samplesOf(monitor, FETCH_METRICS.requests)).toEqual([]);
    } finally {
      globalThis.fetch = original;
    }
  });
});
