// Seed 001's alerting and dashboards, declared once in pulsewatch and written out for
// Prometheus and Grafana: its "Alert on" list as pulsewatch rules, the Prometheus rule file
// (toPrometheusRules), its two Grafana dashboards (grafanaDashboard) and a scrape config.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { grafanaDashboard, toPrometheusRules, type Monitor } from 'pulsewatch';

/** Seed 001's pool size: "Database connection pool > 80%" is 8 of these in use. */
export const POOL_MAX = 10;

/** Seed 001's "Alert on" list, as pulsewatch rules (evaluated in-process, and exported below). */
export async function seedAlertRules(monitor: Monitor, withPostgres: boolean): Promise<void> {
  await monitor.alerts.ensureRule({
    id: 'api-p95-latency', name: 'HighP95Latency', description: 'P95 latency > 500ms for 5 minutes',
    metric: 'http_request_duration_seconds', aggregation: 'p95', window: '5m', condition: 'gt', threshold: 0.5, duration: '5m', severity: 'critical',
  });
  await monitor.alerts.ensureRule({
    id: 'api-error-rate', name: 'HighErrorRate', description: 'Error rate > 5% for 5 minutes',
    metric: 'http_requests_total', aggregation: 'errorRate', window: '5m', condition: 'gt', threshold: 5, duration: '5m', severity: 'critical',
  });
  await monitor.alerts.ensureRule({
    id: 'cache-hit-rate', name: 'LowCacheHitRate', description: 'Cache hit rate < 70% for 10 minutes',
    metric: 'cache_hit_ratio', aggregation: 'avg', window: '10m', condition: 'lt', threshold: 0.7, duration: '10m', groupBy: ['cache'], severity: 'warning',
  });
  // Only with a pool to watch. pulsewatch rules read one metric, so 80 % is written as 8 of 10.
  if (withPostgres) {
    await monitor.alerts.ensureRule({
      id: 'db-pool-busy', name: 'DatabasePoolBusy', description: 'Database connection pool > 80% for 5 minutes',
      metric: 'db_pool_connections', labels: { state: 'in_use' }, aggregation: 'avg', window: '5m', condition: 'gt', threshold: 0.8 * POOL_MAX, duration: '5m', severity: 'warning',
    });
  }
  // "Redis memory > 90%" has no rule: pulsewatch records Redis commands, not the server's memory
  // (seed 001 reads it from redis_exporter; see README.md).
}

/** Paths written by {@link writeMonitoringFiles}. */
export interface WrittenFiles {
  rules: string;
  dashboards: string[];
  scrapeConfig: string;
  skipped: string[];
}

/** Writes the rule file, the two dashboards and prometheus.yml into `dir`. */
export async function writeMonitoringFiles(monitor: Monitor, dir: string, metricsTarget: string): Promise<WrittenFiles> {
  await mkdir(join(dir, 'grafana'), { recursive: true });
  const { yaml, skipped } = toPrometheusRules(monitor.alerts.getRules(), { metrics: monitor, group: 'api' });
  const rules = join(dir, 'pulsewatch.rules.yml');
  await writeFile(rules, yaml);

  // Seed 001's two dashboards, each with the metrics it lists that this run defines.
  const defined = (names: string[]): string[] => names.filter((n) => monitor.getMetric(n) !== undefined);
  const boards = [
    { file: 'api-performance.json', title: 'API Performance', uid: 'seed001-api', metrics: defined(['http_request_duration_seconds', 'http_requests_total', 'http_requests_in_flight', 'cache_hits_total', 'cache_misses_total', 'cache_hit_ratio']) },
    { file: 'database-redis.json', title: 'Database & Redis', uid: 'seed001-db-redis', metrics: defined(['db_queries_total', 'db_query_duration_seconds', 'db_query_errors_total', 'db_pool_connections', 'db_pool_waiting_clients', 'redis_operations_total', 'redis_operation_duration_seconds', 'redis_operation_errors_total']) },
  ];
  const dashboards: string[] = [];
  for (const board of boards) {
    if (board.metrics.length === 0) continue; // in memory: no database or Redis, no such dashboard
    const path = join(dir, 'grafana', board.file);
    await writeFile(path, `${JSON.stringify(grafanaDashboard(monitor, { title: board.title, uid: board.uid, metrics: board.metrics }), null, 2)}\n`);
    dashboards.push(path);
  }

  // infra/prometheus/prometheus.yml: scrape the dedicated metrics port, load the rule file.
  const scrapeConfig = join(dir, 'prometheus.yml');
  await writeFile(
    scrapeConfig,
    ['global:', '  scrape_interval: 15s', '  evaluation_interval: 15s', 'rule_files:', '  - pulsewatch.rules.yml', 'scrape_configs:', '  - job_name: api', '    static_configs:', `      - targets: ['${metricsTarget}']`, ''].join('\n'),
  );
  return { rules, dashboards, scrapeConfig, skipped: skipped.map((s) => `${s.name}: ${s.reason}`) };
}
