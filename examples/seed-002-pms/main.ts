// Seed 002 rebuilt on pulsewatch: the PMS performance monitoring service. Run:
// `npx tsx examples/seed-002-pms/main.ts` (in-memory store) or add `--postgres` (DATABASE_URL,
// default postgres://postgres@127.0.0.1:5432/test; schema PMS_SCHEMA, default f1_seed002).
// It runs 75 minutes of PMS traffic for three tenants on a simulated clock (seconds of real
// time), with seed 002's buffered collection (100 / 30 s), system monitor (60 s), 30-day
// retention and alert thresholds, through four incidents; then reads its test API and exits.
import { createMonitor, rulePacks } from 'pulsewatch';
import { systemMonitor } from 'pulsewatch/node';
import { ManualClock } from 'pulsewatch/testing';
import { REQUESTS_PER_MINUTE, RUN_MINUTES, SEED_ENV } from './config.js';
import { createPms } from './pms.js';
import { startServer } from './server.js';
import { seededRandom } from '../shared/sim.js';
import { openStore, retentionProbe } from './store.js';

const usePostgres = process.argv.includes('--postgres');
const TOKEN = process.env['MONITORING_TOKEN'] ?? 'seed-002-token-change-me';
const startedAt = Math.floor(Date.now() / 3_600_000) * 3_600_000; // simulated time starts at this hour
const clock = new ManualClock(startedAt);
const minute = (at = clock.now()): number => Math.round(((at - startedAt) / 60_000) * 100) / 100;
const random = seededRandom(Number(process.env['SEED002_SEED'] ?? 7));

const store = await openStore(usePostgres, () => clock.now());
const monitor = createMonitor({
  service: 'pms',
  clock, // drop this line in production: the monitor then runs on the system clock
  storage: store.storage,
  // Seed 002's buffered collection: PERFORMANCE_BUFFER_SIZE=100, PERFORMANCE_FLUSH_INTERVAL=30000.
  flush: { batchSize: SEED_ENV.PERFORMANCE_BUFFER_SIZE, interval: SEED_ENV.PERFORMANCE_FLUSH_INTERVAL },
});
monitor.on('error', (error) => console.error(`[pulsewatch] ${error.code}: ${error.message}`));
const flushes: { minute: number; rollups: number; batches: number }[] = [];
monitor.on('flushed', ({ rollups, batches }) => flushes.push({ minute: minute(), rollups, batches }));
const alerts: { name: string; severity: string; event: string; minute: number; value: number }[] = [];
monitor.on('alertTriggered', (a) => alerts.push({ name: a.ruleName, severity: a.severity, event: 'fired', minute: minute(a.startsAt), value: a.value ?? NaN }));
monitor.on('alertResolved', (a) => alerts.push({ name: a.ruleName, severity: a.severity, event: 'resolved', minute: minute(a.endsAt ?? clock.now()), value: a.value ?? NaN }));

// Seed 002's systemHealthMonitor.startMonitoring(SYSTEM_HEALTH_INTERVAL): CPU 80/95 %, memory 85/95 %.
const system = systemMonitor(monitor, { interval: SEED_ENV.SYSTEM_HEALTH_INTERVAL, path: '.' }).start();
// Seed 002's thresholds, on its own metric names (response and query times in ms). The job failure
// rules group by `job` (recordJobExecution's label); monitor.jobs labels its queues `type`.
const rules = rulePacks
  .service({ unit: 'ms', requestMetric: 'api_response_time', dbMetric: 'database_query_time', queueLabels: { state: 'waiting' }, jobMetric: 'job_outcomes_total' })
  .map((rule) => (rule.groupBy?.includes('job') ? { ...rule, groupBy: ['type'] } : rule));
for (const rule of rules) await monitor.alerts.ensureRule({ id: `pms:${rule.name}`, ...rule });

const pms = createPms(monitor, clock, random, () => minute());
const { server, base } = await startServer(monitor, system, startedAt, TOKEN);
console.log(`seed 002 PMS on ${base} (${store.kind} store): ${RUN_MINUTES} simulated minutes, ${REQUESTS_PER_MINUTE} requests a minute...`);

const began = performance.now();
const perTick = REQUESTS_PER_MINUTE / 12;
for (let tick = 0; tick < RUN_MINUTES * 12; tick++) {
  void pms.tick(perTick, tick).catch((error: unknown) => console.error('tick failed', error));
  await clock.advanceAsync(5_000);
}
await clock.advanceAsync(60_000); // a minute without new traffic: the jobs in flight finish
await monitor.flush(); // write the open slot, so the store holds the whole run
console.log(`load done in ${Math.round(performance.now() - began)} ms of real time`);

const get = async (path: string) => {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const health = await get('/api/performance/test?action=health');
const dashboard = await get('/api/performance/test?action=dashboard');
const badAction = await get('/api/performance/test?action=drop-tables');
const metrics = await get('/api/monitoring/metrics');
const retained = await retentionProbe(monitor.storage, clock.now());
const cleanup = await get('/api/performance/test?action=cleanup');
const stored = await monitor.storage.queryRollups({ name: 'api_response_time', from: startedAt });

console.log(`\nhealth: ${JSON.stringify(health.body)}`);
console.log('dashboard api:', JSON.stringify(dashboard.body['api']));
console.log('tenants:', JSON.stringify(dashboard.body['tenants']));
console.log('queues:', JSON.stringify(dashboard.body['queues']));
console.log(`flushes: ${flushes.length} (every ${flushes[1] ? flushes[1].minute - flushes[0]!.minute : '?'} min), ${flushes.reduce((s, f) => s + f.rollups, 0)} rollups in ${flushes.reduce((s, f) => s + f.batches, 0)} batches`);
console.log(`stored api_response_time rollups read back: ${stored.length}; retention probe kept: ${retained.join(', ')}`);
console.log('alerts:', alerts.map((a) => `${a.name} [${a.severity}] ${a.event} @${a.minute}m`).join('; '));

const result = {
  storage: store.kind,
  startedAt,
  seedEnv: SEED_ENV,
  rules: monitor.alerts.getRules().map((r) => ({ name: r.name, severity: r.severity, metric: r.metric, threshold: r.threshold, groupBy: r.groupBy })),
  flushes,
  flushOptions: { batchSize: SEED_ENV.PERFORMANCE_BUFFER_SIZE, interval: SEED_ENV.PERFORMANCE_FLUSH_INTERVAL },
  alerts,
  health,
  dashboard,
  badAction,
  metricsSnapshotKeys: Object.keys(metrics.body),
  retention: { kept: retained, cleanup: cleanup.body },
  storedRollups: { apiResponseTime: stored.length, tenants: [...new Set(stored.map((r) => r.labels['organizationId']))].sort() },
};
console.log(`RESULT ${JSON.stringify(result)}`);

await closeOnSimulatedTime();
await store.close();
await new Promise((resolve) => server.close(resolve));
console.log('seed 002 finished: monitor closed.');

/**
 * `monitor.close()` lets running jobs finish within `closeTimeout` and retries writes within
 * `flush.closeTimeout`, both on the monitor's clock: on the simulated clock time must keep moving
 * while it closes, or a job still running would hold it forever.
 */
async function closeOnSimulatedTime(): Promise<void> {
  let closed = false;
  const closing = monitor.close().then(() => (closed = true));
  for (let waited = 0; !closed && waited < 60_000; waited += 1_000) {
    // Real I/O (the last webhook delivery, the store's last writes) gets 20 ms of real time per
    // simulated second: on a busy machine, advancing at once ran through close()'s whole budget
    // before a local HTTP request could answer.
    await new Promise((resolve) => setTimeout(resolve, 20));
    await clock.advanceAsync(1_000);
  }
  await closing;
}
