// The PMS's HTTP side: seed 002's test API (`/api/performance/test?action=health|dashboard|cleanup`)
// and pulsewatch's monitoring API under /api/monitoring, on node:http.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Monitor } from 'pulsewatch';
import { createNodeMonitoringHandler, type SystemMonitor } from 'pulsewatch/node';
import { z } from 'zod';
import { SEED_ENV } from './config.js';
import { dashboardData, healthSnapshot } from './dashboard.js';

const query = z.object({ action: z.enum(['health', 'dashboard', 'cleanup']) });

/** Starts the server on a free port of 127.0.0.1. */
export async function startServer(monitor: Monitor, system: SystemMonitor, startedAt: number, token: string): Promise<{ server: Server; base: string }> {
  const monitoring = createNodeMonitoringHandler(monitor, { basePath: '/api/monitoring', auth: token, publicRoutes: ['health'] });
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://pms');
    if (url.pathname.startsWith('/api/monitoring/')) return monitoring(req, res);
    if (url.pathname !== '/api/performance/test') return send(res, 404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
    const parsed = query.safeParse(Object.fromEntries(url.searchParams));
    if (!parsed.success) return send(res, 400, { error: { code: 'VALIDATION', message: 'action: expected health, dashboard or cleanup', field: 'action' } });
    try {
      if (parsed.data.action === 'health') return send(res, 200, await healthSnapshot(monitor, system));
      if (parsed.data.action === 'dashboard') return send(res, 200, await dashboardData(monitor, system, startedAt));
      // cleanup: seed 002's "Remove old metrics data", past PERFORMANCE_RETENTION_DAYS.
      const removed = await monitor.storage.purgeBefore(monitor.clock.now() - SEED_ENV.PERFORMANCE_RETENTION_DAYS * 86_400_000);
      return send(res, 200, { removed, retentionDays: SEED_ENV.PERFORMANCE_RETENTION_DAYS });
    } catch (error) {
      return send(res, 500, { error: { code: 'INTERNAL', message: (error as Error).message } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
