import { activeAlertsCheck } from './active-alerts.js';
import { breakersCheck } from './breakers.js';
import { httpCheck } from './http.js';
import { jobsCheck } from './jobs.js';
import { metricCheck } from './metric.js';
import { postgresCheck } from './postgres.js';
import { redisCheck } from './redis.js';

/**
 * The built-in checks that run anywhere (edge-safe). `pulsewatch/node` exports a `checks` with
 * these plus `memory`, `eventLoop` and `disk`.
 */
export const checks = Object.freeze({
  /** Redis `PING` with any client that has `ping()` (ioredis, node-redis). */
  redis: redisCheck,
  /** `SELECT 1` with any client that has `query(sql)` (a pg Pool or Client). */
  postgres: postgresCheck,
  /** An HTTP request with the global fetch; healthy on 2xx or `expectStatus`. */
  http: httpCheck,
  /** Seed 003's pass/warn/fail on a metric's aggregate (response time, error rate...). */
  metric: metricCheck,
  /** Seed 003's active-alerts check: fails on a firing critical alert, warns on a warning. */
  activeAlerts: activeAlertsCheck,
  /** Circuit breakers: unhealthy while a critical one is open, degraded while any other is open or half-open. */
  breakers: breakersCheck,
  /** Seed 000's job health from `monitor.jobs`: failure rate, stuck jobs, dead letters. */
  jobs: jobsCheck,
});
