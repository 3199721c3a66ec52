// Seed 000's monitoring side: its health checks (/api/health/database, /redis, /jobs, /platforms)
// with its alert thresholds, its alerts with their types and cooldowns, and the node:http server
// that serves /api/health and /api/metrics through pulsewatch's monitoring handler, next to a
// webhook receiver standing in for seed 000's ALERT_WEBHOOK_URL.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checks, rulePacks, type Monitor } from 'pulsewatch';
import { createNodeMonitoringHandler } from 'pulsewatch/node';
import { HEALTH, PLATFORMS } from './config.js';

/** One webhook the receiver got: when (simulated time), and what Alertmanager's v4 payload said. */
export interface ReceivedAlert {
  at: number;
  status: string;
  reason: string;
  alertname: string;
  type: string;
  severity: string;
  labels: Record<string, string>;
}

/** A node:http server: /hooks/alerts records webhooks, everything else goes to `routes` once set. */
export async function startServer(now: () => number): Promise<{ server: Server; base: string; received: ReceivedAlert[]; mount(monitor: Monitor, token: string): void }> {
  const received: ReceivedAlert[] = [];
  let monitoring: ReturnType<typeof createNodeMonitoringHandler> | undefined;
  const server = createServer(async (req, res) => {
    if (req.method === 'POST' && req.url === '/hooks/alerts') {
      const body = JSON.parse(await readBody(req)) as { status: string; notification_reason: string; alerts: { labels: Record<string, string> }[]; pulsewatch: { alert: { type: string; severity: string } } };
      const labels = body.alerts[0]?.labels ?? {};
      received.push({ at: now(), status: body.status, reason: body.notification_reason, alertname: labels['alertname'] ?? '', type: body.pulsewatch.alert.type, severity: body.pulsewatch.alert.severity, labels });
      res.writeHead(204).end();
      return;
    }
    if (monitoring !== undefined && req.url?.startsWith('/api/')) return monitoring(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    base,
    received,
    // Seed 000's endpoints under /api: GET /api/health[?quick=true], /api/health/:check, /api/metrics[?format=prometheus|jobId=],
    // and the job routes (/api/jobs/dead-letters, /bottlenecks, /baselines). Health is open to probes; the rest needs the token.
    mount: (monitor, token) => (monitoring = createNodeMonitoringHandler(monitor, { basePath: '/api', auth: token, publicRoutes: ['health'] })),
  };
}

/** Seed 000's health checks with its thresholds. `redis` is registered only when the app runs on Redis (seed 000: optional). */
export function registerHealth(monitor: Monitor, redis?: { ping(): Promise<string> }): void {
  // The database is the store the monitor keeps its records in: one read, degraded past 500 ms.
  monitor.health.register('database', () => monitor.storage.listJobDeadLetters({ limit: 1 }).then(() => 'healthy' as const), { degradedAfter: HEALTH.database.responseTime, groups: ['readiness'] });
  if (redis) monitor.health.register('redis', checks.redis(redis), { critical: false, groups: ['readiness'] });
  monitor.health.register('jobs', checks.jobs(monitor.jobs, HEALTH.jobs), { groups: ['readiness'] });
  monitor.health.register('platforms', platformsCheck(monitor), { critical: false });
}

/** Seed 000's platforms check: degraded when a platform failed more than 30 % of its calls over 5 minutes, or its breaker is open. */
function platformsCheck(monitor: Monitor) {
  return async () => {
    const details: Record<string, { failureRate: number; state: string }> = {};
    const bad: string[] = [];
    for (const platform of PLATFORMS) {
      const breaker = `platform-${platform}`;
      const count = async (outcome: string) => {
        const calls = await monitor.getAggregatedMetrics({ name: 'breaker_calls_total', labels: { breaker, outcome }, window: '5m' });
        // No series of that outcome in the window (a platform that never failed): its sum is NaN, not 0.
        return calls.count === 0 ? 0 : calls.sum;
      };
      const [ok, failed, timedOut, rejected] = await Promise.all(['success', 'failure', 'timeout', 'rejected'].map(count));
      const total = ok! + failed! + timedOut! + rejected!;
      const failureRate = total === 0 ? 0 : Math.round(((failed! + timedOut! + rejected!) / total) * 1000) / 10;
      const state = monitor.breakers().find((b) => b.name === breaker)?.state ?? 'closed';
      details[platform] = { failureRate, state };
      if (failureRate > HEALTH.platforms.failureRate || state === 'open') bad.push(`${platform} ${failureRate}% failed (breaker ${state})`);
    }
    return bad.length === 0 ? { status: 'healthy' as const, details } : { status: 'degraded' as const, message: bad.join('; '), details };
  };
}

/**
 * Seed 000's alerts, declared by id: the job pack (JOB_FAILURE 15 min cooldown, QUEUE_BACKLOG,
 * PERFORMANCE_DEGRADATION after a 10-run baseline) and PLATFORM_API_FAILURE when more than 30 % of
 * a platform's calls fail (critical: the 5 min cooldown).
 */
export async function declareAlerts(monitor: Monitor): Promise<void> {
  for (const rule of rulePacks.jobs({ channels: ['ops'] })) await monitor.alerts.ensureRule({ id: `seed000:${rule.name}`, ...rule });
  await monitor.alerts.ensureRule({
    id: 'seed000:platform-api-failure',
    name: 'Platform API failure',
    type: 'PLATFORM_API_FAILURE',
    severity: 'critical',
    metric: 'breaker_calls_total',
    // Refused calls count as failures too: an open breaker is a platform that is down.
    aggregation: { type: 'errorRate', errorLabels: { outcome: ['failure', 'timeout', 'rejected'] } },
    groupBy: ['breaker'],
    window: '5m',
    condition: 'greater_than',
    threshold: HEALTH.platforms.failureRate,
    // ...and only over at least 10 calls: one failed call of one is not "30 % of calls" (the seed gives no volume; 10 is ours).
    conditions: [{ metric: 'breaker_calls_total', aggregation: 'count', condition: 'greater_or_equal', threshold: 10 }],
    match: 'all',
    channels: ['ops'],
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
