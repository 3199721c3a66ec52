/**
 * `pulsewatch dashboard` and `pulsewatch rules` exit 3 when the URL answers something that is
 * not a monitoring handler's (docs/cli.md): a wrong base path in front of a web server that
 * answers 200 with a page for every path wrote an empty dashboard and exited 0.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor } from '../../src/index.js';
import { createNodeMonitoringHandler } from '../../src/node.js';
import { ManualClock } from '../../src/testing.js';
import { CHILD_TIMEOUT, runCli } from './helpers/run-cli.js';

let page: Server;
let pageUrl: string;
let plain: Server;
let plainUrl: string;
let empty: Server;
let emptyUrl: string;
let monitor: Monitor;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

beforeAll(async () => {
  // A web server's catch-all page: 200 for every path.
  page = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html>\n<html><body>Welcome to nginx!</body></html>\n');
  });
  pageUrl = `${await listen(page)}/api/monitoring`;
  // A plain-text catch-all: two words per line read like a sample ("Not Found").
  plain = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Not Found\n');
  });
  plainUrl = `${await listen(plain)}/api/monitoring`;
  // A monitoring handler of a monitor with no metric of its own yet: a real (near-empty) exposition.
  monitor = createMonitor({ service: 'api', clock: new ManualClock() });
  const handler = createNodeMonitoringHandler(monitor, { basePath: '/api/monitoring' });
  empty = createServer((req, res) => handler(req, res));
  emptyUrl = `${await listen(empty)}/api/monitoring`;
});

afterAll(async () => {
  await new Promise((resolve) => page?.close(resolve));
  await new Promise((resolve) => empty?.close(resolve));
  await new Promise((resolve) => plain?.close(resolve));
  await monitor?.close();
});

describe('pulsewatch dashboard and rules against an answer that is no monitoring handler\'s', { timeout: CHILD_TIMEOUT }, () => {
  it.each(['dashboard', 'rules'])('%s: a 200 HTML page for /metrics exits 3, naming the route, and writes nothing', async (command) => {
    const run = await runCli([command, pageUrl]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^pulsewatch ${command}: GET /metrics did not answer a Prometheus text exposition`));
  });

  it('dashboard: a 200 "Not Found" text (no # TYPE line) exits 3 and writes nothing', async () => {
    const run = await runCli(['dashboard', plainUrl]);
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^pulsewatch dashboard: GET \/metrics did not answer a Prometheus text exposition/);
  });

  it('dashboard: a monitoring handler with no metric of its own still writes a dashboard (exit 0)', async () => {
    const run = await runCli(['dashboard', emptyUrl]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toHaveProperty('panels');
  });
});
