// The PMS itself, simulated: its API requests per tenant (recorded the seed's way, with
// `recordMetric({ metricType: 'API_RESPONSE_TIME', ..., organizationId })`), the database queries
// behind them, reservation processing under `withPerformanceTracking`, its queues on monitor.jobs
// (seed 002's QueueMetric: queue, job type, status, duration, wait, attempts) and its
// application gauges (active users, ongoing reservations).
import type { Monitor } from 'pulsewatch';
import type { ManualClock } from 'pulsewatch/testing';
import { ENDPOINTS, INCIDENTS, TENANTS } from './config.js';
import { logNormal, work } from '../shared/sim.js';

type Tenant = (typeof TENANTS)[number];

/** Builds the PMS on `monitor`; `minute()` tells the incidents when they are. */
export function createPms(monitor: Monitor, clock: ManualClock, random: () => number, minute: () => number) {
  const during = (i: { from: number; to: number }): boolean => minute() >= i.from && minute() < i.to;
  let requests = 0;
  let syncs = 0;

  // Seed 002's application metrics: active users and ongoing reservations, per tenant.
  const activeUsers = monitor.gauge({ name: 'pms_active_users', help: 'Users signed in', labelNames: ['organizationId'] });
  const ongoing = monitor.gauge({ name: 'pms_ongoing_reservations', help: 'Reservations checked in and not out', labelNames: ['organizationId'] });

  // Seed 002's `withPerformanceTracking(fn, { name, service, operation, organizationId })`, one per tenant.
  const processReservation = new Map(
    TENANTS.map((t) => [
      t.organizationId,
      monitor.withPerformanceTracking((nights: number) => work(clock, logNormal(random, 350, 0.3) + nights * 20, () => ({ nights })), {
        name: 'process_reservation',
        service: 'reservations',
        operation: 'create',
        labels: { organizationId: t.organizationId },
      }),
    ]),
  );

  // Seed 002's queues (QueueMetric rows become job metrics): notifications and OTA channel syncs.
  const notifications = monitor.jobs.define('notifications', () => work(clock, during(INCIDENTS.queueStall) ? INCIDENTS.queueStall.notificationMs : logNormal(random, 2_000, 0.3), () => 'sent'), { concurrency: 2, retries: 2, deadLetter: false });
  const channelSync = monitor.jobs.define(
    'channel-sync',
    (p: { fails: boolean }) =>
      work(clock, logNormal(random, 3_000, 0.3), () => {
        if (p.fails) throw new Error('channel manager answered 502');
        return 'synced';
      }),
    // Seed 002 keeps failed jobs as QueueMetric rows, with no dead-letter queue: none here either.
    { concurrency: 3, retries: 2, deadLetter: false },
  );

  /** One API request: its database queries, then its response time, both labelled with the tenant. */
  function request(tenant: Tenant): void {
    const pick = weighted(random);
    const slowDb = during(INCIDENTS.slowDatabase);
    let dbTotal = 0;
    for (let q = 0; q < pick.queries; q++) {
      const ms = logNormal(random, slowDb ? INCIDENTS.slowDatabase.queryMs : 40, 0.4);
      dbTotal += ms;
      const table = ['reservations', 'rooms', 'guests'][q % 3];
      monitor.recordMetric({ metricType: 'DATABASE_QUERY_TIME', value: ms, unit: 'ms', service: 'db', operation: pick.endpoint, table, organizationId: tenant.organizationId });
    }
    requests++;
    // The error incident fails exactly 1 request in 8 (12.5 %): over seed 002's 5 and 10 %, under 15 %.
    const statusCode = during(INCIDENTS.errors) && requests % 8 === 0 ? 500 : 200;
    monitor.recordMetric({
      metricType: 'API_RESPONSE_TIME',
      value: logNormal(random, pick.medianMs, 0.35) + dbTotal,
      unit: 'ms',
      service: 'api',
      endpoint: pick.endpoint,
      statusCode,
      organizationId: tenant.organizationId,
      propertyId: tenant.properties[Math.floor(random() * tenant.properties.length)],
    });
  }

  return {
    /** One 5-second tick of traffic: `perTick` requests, a reservation, a notification and a channel sync. */
    tick(perTick: number, tickIndex: number): Promise<unknown> {
      for (let i = 0; i < perTick; i++) request(TENANTS[Math.floor(random() * TENANTS.length)]!);
      const tenant = TENANTS[tickIndex % TENANTS.length]!;
      activeUsers.set(20 + Math.round(random() * 30), { organizationId: tenant.organizationId });
      ongoing.set(100 + Math.round(random() * 50), { organizationId: tenant.organizationId });
      const jobs = [notifications.enqueue({}), channelSync.enqueue({ fails: ++syncs % INCIDENTS.syncFailureEvery === 0 })];
      return Promise.all([processReservation.get(tenant.organizationId)!(1 + Math.floor(random() * 6)), ...jobs]);
    },
  };
}

/** An endpoint, drawn by its share of the traffic. */
function weighted(random: () => number): (typeof ENDPOINTS)[number] {
  const total = ENDPOINTS.reduce((sum, e) => sum + e.weight, 0);
  let r = random() * total;
  for (const e of ENDPOINTS) if ((r -= e.weight) < 0) return e;
  return ENDPOINTS[0];
}
