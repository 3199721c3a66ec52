/**
 * The JSON `GET /metrics` is bounded (issue 14 item 9: 96,300 alerts made a 54 MB answer): it
 * lists at most `limits.maxSnapshotSeries` jobs and active alerts and says how many it left
 * out. On a real node:http server.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, LimitError, type Monitor, type MonitorSnapshot } from 'pulsewatch';
import { createNodeMonitoringHandler } from 'pulsewatch/node';
import { ManualClock } from 'pulsewatch/testing';

let server: Server | undefined;
let monitor: Monitor | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  await monitor?.close();
  server = undefined;
  monitor = undefined;
});

describe('GET /metrics as JSON, bounded', () => {
  it('lists at most limits.maxSnapshotSeries jobs and alerts, and counts the rest in `truncated`', async () => {
    monitor = createMonitor({ service: 'bounds', clock: new ManualClock(), limits: { maxSnapshotSeries: 3 } });
    for (let i = 0; i < 10; i++) monitor.recordJobExecution(`job-${i}`, true, 100 + i);
    for (let i = 0; i < 8; i++) await monitor.alerts.triggerAlert({ name: `Manual ${i}`, message: 'raised by hand', severity: 'warning' });
    server = createServer(createNodeMonitoringHandler(monitor));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as MonitorSnapshot;
    expect(body.jobs).toHaveLength(3);
    expect(body.alerts.active).toBe(8);
    expect(body.alerts.items).toHaveLength(3);
    expect(body.truncated).toEqual({ jobs: 7, alerts: 5 });
  });
});

describe('GET /metrics as JSON when snapshots queue up', () => {
  it('answers 429 with retry-after when the monitor refuses a snapshot because too many with other filters wait (snapshot.maxQueued)', async () => {
    monitor = createMonitor({ service: 'busy', clock: new ManualClock() });
    // The queue's own bound is tested in test/metrics/snapshot-queue.test.ts; here only what the route makes of its refusal.
    monitor.snapshot = () => Promise.reject(new LimitError('snapshot.maxQueued', 16, '16 snapshots with other filters wait for their turn already'));
    server = createServer(createNodeMonitoringHandler(monitor));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics?names=a`, { headers: { accept: 'application/json' } });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('LIMIT_EXCEEDED');
  });
});
