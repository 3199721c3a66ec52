// Seed 003 (CodeMentor AI's "Performance Monitoring Service") rebuilt on pulsewatch: its REST
// API, its three default alert rules, a custom rule created over the API, an alert fired,
// acknowledged and resolved, the hourly performance report with trends and recommendations,
// system health and real-time metrics, on PostgreSQL or Redis.
//
//   npx tsx examples/seed-003-codementor/main.ts [--postgres | --redis]
//
// --postgres: the monitor's store in PostgreSQL (127.0.0.1:5432/test or DATABASE_URL), in a schema
//             of this run: SEED003_SCHEMA, default f2_seed003_<pid>_<time> (dropped at the end).
// --redis:    the store in Redis (127.0.0.1:6379 or REDIS_URL), keys under SEED003_REDIS_PREFIX,
//             default f2:seed003:<pid>-<time>: (removed at the end).
// Env: PORT (3000), SEED003_PER_MINUTE (requests a simulated minute, 20), SEED003_OUT
// (examples/seed-003-codementor/out), MONITORING_TOKEN.
//
// The two hours before now are simulated in seconds on a ManualClock, so the hourly report has
// a previous hour to compare with (sim.ts); in production drop the clock option.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { checks, createMonitor, rulePacks, type MonitorStore } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { PostgresStorage } from 'pulsewatch/postgres';
import { RedisStorage } from 'pulsewatch/redis';
import { client } from './api.js';
import { startApp } from './app.js';
import { simulate, workTime } from './sim.js';

const { values: flags } = parseArgs({ options: { postgres: { type: 'boolean' }, redis: { type: 'boolean' } } });
if (flags.postgres && flags.redis) {
  console.error('choose one of --postgres and --redis: a monitor has one store (see README.md)');
  process.exit(2);
}
const env = process.env;
const PER_MINUTE = Number(env['SEED003_PER_MINUTE'] ?? 20);
const MINUTES = 120;
const end = Date.now();
const clock = new ManualClock(end - MINUTES * 60_000);
const OUT = env['SEED003_OUT'] ?? fileURLToPath(new URL('./out', import.meta.url));
const TOKEN = env['MONITORING_TOKEN'] ?? 'seed-003-token-change-me';
// This run's own names (pid and start time), so two runs at once never share or drop each other's.
const RUN = `${process.pid}-${Date.now().toString(36)}`;
const SCHEMA = env['SEED003_SCHEMA'] ?? `f2_seed003_${RUN.replace('-', '_')}`;
const PREFIX = env['SEED003_REDIS_PREFIX'] ?? `f2:seed003:${RUN}:`;
// The schema is spliced into SQL: only a plain identifier.
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(SCHEMA)) {
  console.error(`SEED003_SCHEMA must be a lower-case identifier, got ${JSON.stringify(SCHEMA)}`);
  process.exit(2);
}

let storage: MonitorStore | undefined;
let cleanup = async (): Promise<void> => {};
if (flags.postgres) {
  const admin = new pg.Pool({ connectionString: env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test', max: 2 });
  // A run starts empty, and never drops a schema it did not create: an existing one is refused.
  const existing = await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [SCHEMA]);
  if (existing.rowCount !== 0) {
    console.error(`schema ${SCHEMA} exists already: choose another SEED003_SCHEMA (or drop it yourself)`);
    await admin.end();
    process.exit(2);
  }
  storage = new PostgresStorage({ pool: admin, schema: SCHEMA, now: () => clock.now() });
  cleanup = async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await admin.end();
  };
  console.log(`store: PostgreSQL, schema ${SCHEMA}`);
} else if (flags.redis) {
  const prefix = PREFIX;
  const redis = new Redis(env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
  // Seed 003's METRIC_RETENTION_HOURS=24 (the adapter's default is seed 004's hour).
  storage = new RedisStorage({ client: redis, keyPrefix: prefix, retention: '24h', now: () => clock.now() });
  cleanup = async () => {
    // This run's keys only (glob characters of the prefix escaped), SCAN followed to its end.
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
  };
  console.log(`store: Redis, keys under ${prefix}`);
} else {
  console.log('store: in memory (no --postgres or --redis)');
}

// Rules are evaluated once a minute (the default is every 15 s; the seeds poll every 15-60 s).
const monitor = createMonitor({ service: 'codementor', clock, alerts: { evaluationInterval: '1m' }, ...(storage === undefined ? {} : { storage }) });
monitor.on('error', (error) => console.error(`[pulsewatch] ${error.code}: ${error.message}`));
// Seed 003's "Monitoring Events".
monitor.on('alertTriggered', (alert) => console.log(`event alertTriggered: ${alert.message}`));
let recorded = 0;
monitor.on('metricRecorded', () => recorded++);

// Seed 003's default rules: High Response Time, High Error Rate, High Memory Usage.
await monitor.alerts.createRules(rulePacks.defaults());
// Seed 003's system health checks (GET /health/system): response time (500), error rate (2 %), memory (80 %).
monitor.health.register('Response Time', checks.metric(monitor, { metric: 'response_time', title: 'Average response time', unit: 'ms', warn: 500, fail: 2000 }));
monitor.health.register('Error Rate', checks.metric(monitor, { metric: 'error_rate', title: 'Error rate', unit: '%', warn: 2, fail: 5 }));
monitor.health.register('Memory Usage', checks.metric(monitor, { metric: 'memory_usage', title: 'Memory usage', unit: '%', warn: 80, fail: 95 }));
const app = await startApp(monitor, TOKEN, Number(env['PORT'] ?? 3000), workTime(clock, end));
const api = client(`${app.base}/api/monitoring`, TOKEN);
console.log(`app: ${app.base}; monitoring API: ${app.base}/api/monitoring`);

// "Create Alert Rule" over the API, the seed's own custom example (its duration of 300 s is
// written '0s' here so it can fire within the run; pulsewatch durations carry their unit).
const created = await api('POST', '/alerts/rules', {
  name: 'High Project Creation Rate', metricType: 'project_created', aggregation: 'count', window: '5m',
  condition: 'greater_than', threshold: 10, duration: '0s', enabled: true, recipients: ['admin@codementor-ai.com'], cooldownPeriod: 3600,
});
console.log(`POST /alerts/rules -> ${created.status}`);
const rules = (await api('GET', '/alerts/rules')).body.rules as { id: string; name: string; threshold: number; duration: number; cooldown?: number; cooldownPeriod?: number; enabled: boolean }[];
for (const r of rules) console.log(`rule: ${r.name}: > ${r.threshold}, for ${r.duration / 60_000} min, cooldown ${(r.cooldown ?? (r.cooldownPeriod ?? 0) * 1000) / 60_000} min${r.enabled ? '' : ' (disabled)'}`);
// "Update Alert Rule": the seed's own patch.
const slow = rules.find((r) => r.name === 'High Response Time')!;
const updated = await api('PUT', `/alerts/rules/${slow.id}`, { threshold: 800, enabled: false });
console.log(`PUT /alerts/rules/${slow.id} -> ${updated.status}: threshold ${updated.body.rule.threshold}, enabled ${updated.body.rule.enabled}`);

const sim = await simulate(app, api, clock, MINUTES, PER_MINUTE, end);
console.log(`simulated ${MINUTES} min: ${sim.requests} requests, ${sim.projects} projects created, ${sim.posted} system samples posted to POST /metrics`);

// The alert: fired by an evaluation, then acknowledged and resolved over the API.
await monitor.alerts.evaluate();
const active = (await api('GET', '/alerts/active')).body.alerts as { id: string; ruleName: string; status: string; value: number }[];
for (const a of active) console.log(`active: ${a.ruleName} (${a.status}, value ${a.value})`);
const alert = active.find((a) => a.ruleName === 'High Project Creation Rate');
if (alert !== undefined) {
  const ack = await api('POST', `/alerts/${alert.id}/acknowledge`, { by: 'oncall' });
  console.log(`POST /alerts/${alert.id}/acknowledge -> ${ack.status}: ${ack.body.alert.status} by ${ack.body.alert.acknowledgedBy}`);
  const resolved = await api('POST', `/alerts/${alert.id}/resolve`);
  console.log(`POST /alerts/${alert.id}/resolve -> ${resolved.status}: ${resolved.body.alert.status}`);
}

await mkdir(OUT, { recursive: true });
const save = async (file: string, body: unknown): Promise<void> => writeFile(join(OUT, file), `${JSON.stringify(body, null, 2)}\n`);
// "Generate Performance Report", in process and over the API.
const report = await monitor.generatePerformanceReport({ period: 'hourly', metrics: ['response_time', 'error_rate', 'memory_usage', 'cpu_usage'] });
console.log(`\nreport ${report.period} ${report.startDate} .. ${report.endDate}`);
for (const t of report.trends) console.log(`trend: ${t.metricType} ${t.statistic} ${t.trend} ${t.changePercent === null ? '' : `${t.changePercent.toFixed(1)} %`}`);
for (const r of report.recommendations) console.log(`recommendation [${r.severity}]: ${r.message}`);
const overHttp = await api('GET', '/reports/performance?period=hourly&metrics=response_time,error_rate,memory_usage,cpu_usage');
console.log(`GET /reports/performance?period=hourly -> ${overHttp.status}`);
await save('report-hourly.json', overHttp.body);
await save('alerts-history.json', (await api('GET', '/alerts/history')).body);
await save('rules.json', (await api('GET', '/alerts/rules')).body);

// "Get System Health" and "Get Real-time Metrics".
const health = await api('GET', '/health/system');
console.log(`GET /health/system -> ${health.status}: ${health.body.status}`);
for (const c of health.body.checks as { name: string; status: string; message: string }[]) console.log(`  ${c.name}: ${c.status}: ${c.message}`);
await save('health-system.json', health.body);
const realtime = await api('GET', '/metrics/realtime?types=response_time,error_rate');
console.log(`GET /metrics/realtime -> ${realtime.status}: ${Object.entries(realtime.body as Record<string, unknown[]>).map(([k, v]) => `${k} ${v.length}`).join(', ')}`);
await save('metrics-realtime.json', realtime.body);
console.log(`metricRecorded events: ${recorded}`);

await app.close();
await monitor.close();
await storage?.close();
await cleanup();
console.log('seed-003 finished');
