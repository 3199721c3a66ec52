import { z } from 'zod';
import { fixedApart } from '../../core/fixed-apart.js';
import { grade } from '../../health/checks/grade.js';
import type { CheckReport, HealthStatus } from '../../health/types.js';
import type { Gauge } from '../../metrics/gauge.js';
import type { Monitor } from '../../monitor.js';
import { activeAlertsCheck, systemHealthOf, type SystemHealthCheck } from '../../reports/system-health.js';
import { SYSTEM_METRICS } from '../../system/gauges.js';
import { SYSTEM_THRESHOLDS } from '../../system/options.js';
import { json } from './responses.js';
import { parseQuery } from './query.js';
import type { Route, RouteContext } from './router.js';

const flag = z.enum(['true', 'false', '1', '0', '']).transform((v) => v === 'true' || v === '1' || v === '');
const healthQuery = z.object({ quick: flag.optional(), group: z.string().min(1).max(100).optional() });

function answer(ctx: RouteContext, status: HealthStatus, body: unknown): Response {
  return json(ctx.options.healthStatusCodes[status], body);
}

/** A check's report without what only an authenticated caller may read. */
function bare<R extends CheckReport>(report: R): R {
  const { message: _message, details: _details, ...rest } = report;
  return rest as R;
}

function shown(ctx: RouteContext): boolean {
  return ctx.options.healthDetails === 'always' || ctx.authenticated;
}

/** The system monitor's vitals: its gauges, graded by seed 002's default thresholds (scale: gauge unit to the threshold's). */
const VITALS = [
  { name: 'CPU Usage', metric: SYSTEM_METRICS.cpu, scale: 1, unit: '%', t: SYSTEM_THRESHOLDS.cpu },
  { name: 'Memory Usage', metric: SYSTEM_METRICS.memory, scale: 1, unit: '%', t: SYSTEM_THRESHOLDS.memory },
  { name: 'Event-loop Lag p99', metric: SYSTEM_METRICS.lagP99, scale: 1000, unit: ' ms', t: SYSTEM_THRESHOLDS.eventLoopLag },
] as const;

/**
 * This process's system vitals when a `systemMonitor` samples into this monitor (its gauges
 * exist and hold a value), each as seed 003's entry; none otherwise. Graded by the default
 * thresholds: the gauges do not carry a system monitor's own.
 */
function systemVitals(monitor: unknown): SystemHealthCheck[] {
  const getMetric = (monitor as Partial<Pick<Monitor, 'getMetric'>>).getMetric;
  if (typeof getMetric !== 'function') return [];
  const out: SystemHealthCheck[] = [];
  for (const v of VITALS) {
    const metric = getMetric.call(monitor, v.metric);
    if (metric?.kind !== 'gauge' || metric.index.size === 0) continue;
    const value = (metric as Gauge).get() * v.scale;
    if (!Number.isFinite(value)) continue;
    const g = grade(value, { warn: v.t.warning, fail: v.t.critical });
    out.push({ name: v.name, status: g.grade, message: `${v.name}: ${fixedApart(value, [v.t.warning, v.t.critical]).text}${v.unit}`, value, threshold: g.threshold ?? null });
  }
  return out;
}

/**
 * Seed 003's /health/system: every check as `{ name, status: pass|warn|fail, value, threshold }`,
 * then the system vitals and the active alerts. Matched before /health/:check: a check named
 * `system` is not reachable alone, it is in this list under its name (docs/reports.md).
 */
const systemRoute: Route = {
  method: 'GET',
  path: '/health/system',
  access: 'health',
  async handle(ctx) {
    const { quick } = parseQuery(healthQuery, ctx.url);
    const report = await ctx.monitor.health.check({ quick: quick ?? false });
    const vitals = systemVitals(ctx.monitor);
    const body = systemHealthOf(report, [...vitals, activeAlertsCheck(ctx.monitor.alerts.getActiveAlerts())]);
    if (!shown(ctx)) {
      // Details hidden, as on /health: names and grades only. The vitals (this host's CPU, memory,
      // lag) are details too: left out of the list, while still counting in the overall status.
      body.checks = body.checks.filter((c) => !vitals.includes(c));
      for (const c of body.checks) {
        delete c.message;
        delete c.value;
        delete c.threshold;
      }
    }
    const status: HealthStatus = body.status === 'critical' ? 'unhealthy' : body.status === 'warning' ? 'degraded' : 'healthy';
    return answer(ctx, status, body);
  },
};

/** Seed 000's /health and /health/:check, and seed 003's /health/system (first: the router takes the first match). */
export const healthRoutes: readonly Route[] = [
  systemRoute,
  {
    method: 'GET',
    path: '/health',
    // Exactly one group=liveness: with a repeated group the query parser would answer another one.
    access: (url) => {
      const groups = url.searchParams.getAll('group');
      return groups.length === 1 && groups[0] === 'liveness' ? 'liveness' : 'health';
    },
    async handle(ctx) {
      const { quick, group } = parseQuery(healthQuery, ctx.url);
      const report = await ctx.monitor.health.check({ quick: quick ?? false, ...(group === undefined ? {} : { group }) });
      if (!shown(ctx)) report.checks = Object.fromEntries(Object.entries(report.checks).map(([name, check]) => [name, bare(check)]));
      return answer(ctx, report.status, report);
    },
  },
  {
    method: 'GET',
    path: '/health/:check',
    access: 'health',
    async handle(ctx) {
      const { quick } = parseQuery(healthQuery, ctx.url);
      const report = await ctx.monitor.health.check.one(ctx.params.check!, { quick: quick ?? false });
      return answer(ctx, report.status, shown(ctx) ? report : bare(report));
    },
  },
];
