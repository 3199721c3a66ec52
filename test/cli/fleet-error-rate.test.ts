/**
 * The error rate of a fleet through one instance's monitoring handler. The aggregate route is
 * fleet-wide but takes exact label values, so the CLI learns the values of `status` from the
 * answering instance's exposition: a status only another instance answered (its 503s) is not
 * among them. The check must not count those requests as successes (an undercount that passes
 * a release gate): it bounds the rate and gives a verdict only when both bounds agree.
 * The built bin runs as a child against a real server; two monitors share one store.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import { createNodeMonitoringHandler } from '../../src/node.js';
import { ManualClock } from '../../src/testing.js';
import { CHILD_TIMEOUT, runCli } from './helpers/run-cli.js';

interface Fleet {
  url: string;
  close(): Promise<void>;
}

const open: Fleet[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

/** Instance A (served) and instance B (not served) recording requests by status into one store. */
async function fleet(a: Record<string, number>, b: Record<string, number>): Promise<Fleet> {
  const now = Date.UTC(2026, 11, 6, 12);
  // The store's retention follows the monitors' clock: on the real one, a fixed date more than a
  // day old had every rollup of B dropped (the test failed from 2026-12-07 on).
  const storage = new MemoryStorage({ now: () => now });
  const make = (): Monitor => createMonitor({ service: 'api', clock: new ManualClock(now), storage });
  const [ma, mb] = [make(), make()];
  for (const [m, requests] of [[ma, a], [mb, b]] as const) {
    const counter = m.counter({ name: 'http_requests_total', help: 'requests', labelNames: ['status'] });
    for (const [status, n] of Object.entries(requests)) counter.inc({ status }, n);
  }
  // B's rollups reach the store, where A's aggregate reads them.
  await mb.flush();
  const handler = createNodeMonitoringHandler(ma, { basePath: '/api/monitoring' });
  const server: Server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const f: Fleet = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/monitoring`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([ma.close(), mb.close()]);
    },
  };
  open.push(f);
  return f;
}

const check = (url: string) => runCli(['check', url, '--json', '--fail', 'error_rate < 5%']);

describe('pulsewatch check <url>: errorRate over a fleet', { timeout: CHILD_TIMEOUT }, () => {
  it('counts the errors of every instance for the statuses the answering one exposes (exact rate)', async () => {
    // B answered 500s and 200s too: A exposes both values, the fleet aggregate of each is exact.
    const f = await fleet({ '200': 9_000, '500': 100 }, { '200': 500, '500': 400 });
    const run = await check(f.url);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).budgets[0]).toMatchObject({ stat: 'errorRate', status: 'fail', value: expect.closeTo(5, 9) });
  });

  it('a status only another instance answered: the worse bound decides when both bounds agree (pass)', async () => {
    // 50 errors A sees, 20 503s only B answered: 0.50 % to 0.70 %, under 5 % either way.
    const f = await fleet({ '200': 9_900, '500': 50 }, { '503': 20 });
    const run = await check(f.url);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).budgets[0]).toMatchObject({ status: 'pass', value: expect.closeTo((70 / 9_970) * 100, 9) });
  });

  it('... and fails when even the better bound breaks the budget (the old undercount would have read 6 %, the fleet is at 10 %)', async () => {
    const f = await fleet({ '200': 9_000, '500': 600 }, { '503': 400 });
    const run = await check(f.url);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout).budgets[0]).toMatchObject({ status: 'fail', value: expect.closeTo(10, 9) });
  });

  it('when the bounds disagree it cannot tell: exit 3 naming the range, never a pass', async () => {
    // A sees 1 % errors; B's 503s would make it 10 %: the old reading (1 %) passed the gate.
    const f = await fleet({ '200': 9_000, '500': 100 }, { '503': 900 });
    const run = await check(f.url);
    expect(run.code).toBe(3);
    const budget = JSON.parse(run.stdout).budgets[0];
    expect(budget).toMatchObject({ status: 'error', value: null, error: { code: 'ERR_PULSEWATCH_CLI_SOURCE' } });
    expect(budget.error.message).toMatch(/the error rate is between 1\.000 % and 10\.00 %: 9\.00 % of http_requests_total's requests carry a "status" value this instance does not expose/);
  });
});
