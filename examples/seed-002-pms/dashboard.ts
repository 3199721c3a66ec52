// Seed 002's dashboard data and health snapshot (its test API's `dashboard` and `health`
// actions): API metrics (average response time, requests per minute, slowest endpoints), the
// same per tenant, database query performance, queue health, system health and trends, all
// read back from the monitor (its memory and the store: PostgreSQL with --postgres).
import type { Monitor } from 'pulsewatch';
import type { SystemMonitor } from 'pulsewatch/node';
import { ENDPOINTS, TENANTS } from './config.js';

const round = (v: number): number => (Number.isFinite(v) ? Math.round(v * 10) / 10 : 0);

/** Seed 002's `action=dashboard`: everything over `window` (default the last hour), trends over the whole run. */
export async function dashboardData(monitor: Monitor, system: SystemMonitor, startedAt: number, window = '1h') {
  const agg = (name: string, labels: Record<string, string> = {}, range: { window?: string; from?: number; to?: number } = { window }) =>
    monitor.getAggregatedMetrics({ name, labels, ...range });
  const api = await agg('api_response_time');
  const failed = await agg('api_response_time', { statusCode: '500' });
  const endpoints = await Promise.all(
    ENDPOINTS.map(async ({ endpoint }) => {
      const a = await agg('api_response_time', { endpoint });
      return { endpoint, requests: a.count, avgResponseTime: round(a.mean), p95ResponseTime: round(a.p95) };
    }),
  );
  const tenants = await Promise.all(
    TENANTS.map(async ({ organizationId }) => {
      const a = await agg('api_response_time', { organizationId });
      const reservations = await agg('process_reservation_duration_seconds', { organizationId });
      return { organizationId, requests: a.count, avgResponseTime: round(a.mean), p95ResponseTime: round(a.p95), reservations: reservations.count };
    }),
  );
  const db = await agg('database_query_time');
  const queues = await Promise.all(
    ['notifications', 'channel-sync'].map(async (type) => {
      const run = await agg('job_run_duration_seconds', { type });
      // A counter with no increment in the window has no sum (NaN): none counts as 0.
      const count = async (outcome: string) => ((await agg('job_outcomes_total', { type, outcome })).sum || 0);
      const [ok, ko] = [await count('success'), await count('failure')];
      const waiting = await agg('job_queue_size', { type, state: 'waiting' });
      return { queue: type, processed: ok + ko, failureRate: ok + ko === 0 ? 0 : round((ko / (ok + ko)) * 100), avgProcessingMs: round(run.mean * 1000), depth: round(waiting.last) };
    }),
  );
  // Trends: 10-minute buckets since the start, read from the store's rollups.
  const trends = [];
  for (let from = startedAt; from < monitor.clock.now(); from += 600_000) {
    const a = await agg('api_response_time', {}, { from, to: Math.min(from + 600_000, monitor.clock.now()) });
    trends.push({ from: new Date(from).toISOString(), requests: a.count, avgResponseTime: round(a.mean) });
  }
  const health = await system.snapshot();
  return {
    api: { avgResponseTime: round(api.mean), requestsPerMinute: round(api.rate * 60), errorRate: api.count === 0 ? 0 : round((failed.count / api.count) * 100), slowestEndpoints: endpoints.sort((a, b) => b.p95ResponseTime - a.p95ResponseTime) },
    tenants,
    database: { avgQueryTime: round(db.mean), p95QueryTime: round(db.p95), queriesPerMinute: round(db.rate * 60) },
    queues,
    system: { status: health.status, cpu: round(health.metrics.cpu), memory: round(health.metrics.memory) },
    trends,
    alerts: monitor.alerts.getActiveAlerts().map((a) => ({ name: a.ruleName, severity: a.severity })),
  };
}

/** Seed 002's `action=health`: `getHealthSnapshot()`'s status and metrics, with the application's numbers. */
export async function healthSnapshot(monitor: Monitor, system: SystemMonitor) {
  const health = await system.snapshot();
  const users = await monitor.getAggregatedMetrics({ name: 'pms_active_users', window: '5m' });
  const reservations = await monitor.getAggregatedMetrics({ name: 'pms_ongoing_reservations', window: '5m' });
  return { status: health.status, timestamp: health.timestamp, metrics: { ...health.metrics, activeUsers: users.last, ongoingReservations: reservations.last }, issues: health.issues.map((i) => i.message) };
}
