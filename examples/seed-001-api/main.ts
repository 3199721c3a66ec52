// Seed 001 ("E2: Performance & Monitoring") rebuilt on pulsewatch: an Express API with its
// database, Redis and cache metrics, the dedicated metrics port (9464), its alert rules and
// Grafana dashboards written out for Prometheus and Grafana, its k6 scenario as synthetic load,
// and its performance budgets checked with the `pulsewatch check` CLI after the load.
//
//   npx tsx examples/seed-001-api/main.ts [--postgres] [--redis] [--slow-db]
//
// --postgres: profiles in PostgreSQL (127.0.0.1:5432/test, or DATABASE_URL), pool instrumented.
// --redis:    the cache in Redis (127.0.0.1:6379, or REDIS_URL), client instrumented.
// --slow-db:  a slow uncached query in every listing, so the p95 budget fails (exit 2 of the check).
// Env: PORT (3001), METRICS_PORT (9464), SEED001_LOAD_MS (10000), SEED001_USERS (20),
// SEED001_OUT (examples/seed-001-api/out), MONITORING_TOKEN, SEED001_SCHEMA and SEED001_REDIS_PREFIX
// (default: names of this run's own, removed at the end).
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { checks, createMonitor } from 'pulsewatch';
import { serveMetrics } from 'pulsewatch/node';
import { instrumentPg } from 'pulsewatch/postgres';
import { instrumentRedis } from 'pulsewatch/redis';
import { createApi } from './app.js';
import { checkBudgets } from './budget.js';
import { clearOwnKeys, memoryCache, redisCache, redisPrefix, type Cache } from './cache.js';
import { memoryStore, pgSchema, postgresStore, type ProfileStore } from './data.js';
import { POOL_MAX, seedAlertRules, writeMonitoringFiles } from './export.js';
import { runLoad } from './load.js';

const { values: flags } = parseArgs({ options: { postgres: { type: 'boolean' }, redis: { type: 'boolean' }, 'slow-db': { type: 'boolean' } } });
const env = process.env;
const LOAD_MS = Number(env['SEED001_LOAD_MS'] ?? 10_000);
const USERS = Number(env['SEED001_USERS'] ?? 20);
const OUT = env['SEED001_OUT'] ?? fileURLToPath(new URL('./out', import.meta.url));
const TOKEN = env['MONITORING_TOKEN'] ?? 'seed-001-token-change-me';

const monitor = createMonitor({ service: 'api' });
monitor.on('error', (error) => console.error(`[pulsewatch] ${error.code}: ${error.message}`));

let pool: pg.Pool | undefined;
let store: ProfileStore;
if (flags.postgres) {
  pool = new pg.Pool({ connectionString: env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test', max: POOL_MAX });
  instrumentPg(monitor, pool); // db_queries_total, db_query_duration_seconds, db_query_errors_total, pool gauges
  monitor.health.register('database', checks.postgres(pool), { groups: ['readiness'], degradedAfter: '500ms' });
  const schema = pgSchema();
  store = await postgresStore(pool, schema);
  console.log(`database: PostgreSQL, schema ${schema} (instrumentPg)`);
} else {
  store = memoryStore();
  console.log('database: in memory (no --postgres): no database, so no db_* metrics');
}

let redis: Redis | undefined;
let cache: Cache;
const prefix = redisPrefix();
if (flags.redis) {
  redis = new Redis(env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', { keyPrefix: prefix });
  instrumentRedis(monitor, redis); // redis_operations_total, redis_operation_duration_seconds
  monitor.health.register('redis', checks.redis(redis), { groups: ['readiness'], critical: false });
  await clearOwnKeys(redis, prefix);
  cache = redisCache(redis);
  console.log(`cache: Redis, keys under ${prefix} (instrumentRedis)`);
} else {
  cache = memoryCache();
  console.log('cache: in memory (no --redis): no Redis, so no redis_* metrics');
}

await seedAlertRules(monitor, pool !== undefined);
// Seed 001's dedicated metrics port: /metrics for Prometheus and /health, off the API's port.
const metricsPort = await serveMetrics(monitor, { port: Number(env['METRICS_PORT'] ?? 9464), host: '127.0.0.1' });
console.log(`metrics port: ${metricsPort.url}/metrics`);

const app = createApi(monitor, { store, cache, token: TOKEN, slowMs: flags['slow-db'] ? 600 : 0 });
const server: Server = await new Promise((resolve) => {
  const s = app.listen(Number(env['PORT'] ?? 3001), '127.0.0.1', () => resolve(s));
});
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`api: ${base} (monitoring API at ${base}/api/monitoring)`);

console.log(`load: seed 001's k6 mix from ${USERS} users for ${LOAD_MS} ms${flags['slow-db'] ? ', with --slow-db' : ''}`);
const load = await runLoad(base, USERS, LOAD_MS);
console.log(`load done: ${load.requests} requests in ${load.seconds.toFixed(1)} s, by status ${JSON.stringify(load.byStatus)}`);

// What Prometheus would scrape from the metrics port (seed 001's metric names).
const scrape = await (await fetch(`${metricsPort.url}/metrics`)).text();
const wanted = /^(http_requests_total|db_queries_total|db_query_errors_total|db_pool_connections|redis_operations_total|cache_hits_total|cache_misses_total|cache_hit_ratio)\{/;
console.log('\n--- scrape of the metrics port (selected series) ---');
for (const line of scrape.split('\n')) if (wanted.test(line)) console.log(line);

await mkdir(OUT, { recursive: true });
const files = await writeMonitoringFiles(monitor, OUT, `127.0.0.1:${metricsPort.port}`);
console.log(`\nprometheus rules: ${files.rules}`);
for (const s of files.skipped) console.log(`  not exported: ${s}`);
for (const d of files.dashboards) console.log(`grafana dashboard: ${d}`);
console.log(`scrape config: ${files.scrapeConfig}`);
await writeFile(join(OUT, 'metrics.prom'), scrape); // seed 001's "Prometheus metrics snapshots" artifact

// The budget gate: a window that covers the whole load with room to spare (30 s for the writes
// above and the CLI's start-up on a busy machine), so no request of the load falls out of it; the
// monitor is younger than the window, so the throughput (requests / window) reads low and warns.
const windowSeconds = Math.ceil(LOAD_MS / 1000) + 30;
const gate = await checkBudgets(`${base}/api/monitoring`, TOKEN, `${windowSeconds}s`, join(OUT, 'budgets-result.json'));
console.log(`\n--- pulsewatch check --budgets budgets.yaml --window ${windowSeconds}s ---`);
console.log(gate.table);
console.log(`budget check: exit ${gate.exitCode} (${gate.status})`);

await monitor.close(); // closes the metrics port and takes the pg/Redis instrumentation out
server.closeAllConnections();
await new Promise((resolve) => server.close(resolve));
// This run's own schema and keys go: a run leaves nothing behind.
await store.drop();
await pool?.end();
if (redis !== undefined) console.log(`cleanup: ${await clearOwnKeys(redis, prefix)} Redis keys removed`);
await redis?.quit();
console.log('seed-001 finished');
