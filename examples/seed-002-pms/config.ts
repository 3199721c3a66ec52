// Seed 002's numbers (the PMS "Performance Monitoring System" write-up), in one place: its
// environment variables, its alert thresholds, and the tenants, endpoints and incidents of the
// synthetic load.

/** Seed 002's configuration block, with its defaults. */
export const SEED_ENV = {
  PERFORMANCE_BUFFER_SIZE: 100,
  PERFORMANCE_FLUSH_INTERVAL: 30_000,
  PERFORMANCE_RETENTION_DAYS: 30,
  SYSTEM_HEALTH_INTERVAL: 60_000,
  PERFORMANCE_RESPONSE_TIME_WARNING: 2000,
  PERFORMANCE_RESPONSE_TIME_CRITICAL: 5000,
  PERFORMANCE_ERROR_RATE_THRESHOLD: 5,
  PERFORMANCE_QUEUE_DEPTH_THRESHOLD: 50,
} as const;

/** Seed 002's "Alert Types and Thresholds" (rulePacks.service() carries exactly these). */
export const THRESHOLDS = {
  responseTimeMs: { warning: 2000, critical: 5000, spike: 1.5 },
  errorRatePercent: { medium: 5, high: 10, critical: 15 },
  databaseMs: { slow: 500, critical: 2000, slowQueryPercent: 20 },
  queueDepth: { medium: 50, high: 100, critical: 200 },
  jobFailurePercent: { medium: 10, high: 15, critical: 25 },
  cpuPercent: { high: 80, critical: 95 },
  memoryPercent: { high: 85, critical: 95 },
} as const;

/** Tenants: seed 002's multi-tenant support, an `organizationId` (and `propertyId`) on every record. */
export const TENANTS = [
  { organizationId: 'org-alpine', properties: ['prop-chalet', 'prop-lodge'] },
  { organizationId: 'org-coastal', properties: ['prop-marina', 'prop-dunes'] },
  { organizationId: 'org-city', properties: ['prop-central', 'prop-station'] },
  { organizationId: 'org-lakes', properties: ['prop-shore', 'prop-island'] },
] as const;

/** The PMS API: endpoint, median response time (ms), database queries per request, share of traffic. */
export const ENDPOINTS = [
  { endpoint: '/api/reservations', medianMs: 180, queries: 3, weight: 5 },
  { endpoint: '/api/rooms/availability', medianMs: 120, queries: 2, weight: 6 },
  { endpoint: '/api/guests/:id', medianMs: 60, queries: 1, weight: 4 },
  { endpoint: '/api/reports/occupancy', medianMs: 900, queries: 6, weight: 1 },
] as const;

/**
 * Incidents, in simulated minutes from the start, each meant to cross some of seed 002's
 * thresholds and not the next: a slow database (response time over 2 s, database over 500 ms,
 * a spike), a burst of 5xx (error rate over 5 and 10 %, under 15 %), a stalled notification
 * worker (queue depth over 50, under 100), and channel syncs failing 1 in 8 (over 10 %, under 15 %).
 */
export const INCIDENTS = {
  slowDatabase: { from: 20, to: 32, queryMs: 900 },
  errors: { from: 40, to: 50, share: 0.12 },
  queueStall: { from: 55, to: 65, notificationMs: 40_000 },
  syncFailureEvery: 8,
} as const;

/** Requests per simulated minute, and how long the load runs (SEED002_MINUTES shortens it in tests). */
export const REQUESTS_PER_MINUTE = 120;
export const RUN_MINUTES = Number(process.env['SEED002_MINUTES'] ?? 75);
