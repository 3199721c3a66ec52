/**
 * Checks our exposition with Prometheus' own tooling, `promtool` (2.42 from the Debian package
 * `prometheus`, installed by scripts/ensure-test-deps.sh), rather than with our own reading of the
 * spec:
 *
 * - Prometheus text 0.0.4: `promtool check metrics` parses stdin with the client_golang text
 *   parser and lints it. Exit 0 with no output means it parsed and has no lint problems;
 *   `--extended` then prints the number of series it read per metric family.
 * - OpenMetrics 1.0: promtool 2.42 has no OpenMetrics mode in `check metrics` (it always uses the
 *   0.0.4 text parser, which reads `# UNIT` and `# EOF` as comments but rejects OpenMetrics' `\"`
 *   HELP escape with "invalid escape sequence"). The one OpenMetrics parser promtool does run is
 *   Prometheus' own scrape parser (textparse.OpenMetricsParser), behind
 *   `promtool tsdb create-blocks-from openmetrics`. Backfilling needs a timestamp on every sample,
 *   so the test appends one (the only change to our output), lets promtool parse the document into
 *   a TSDB block, and reads the block back with `promtool tsdb dump` to compare every series,
 *   label value and sample value with what we wrote. That parser insists on `# EOF`, on nothing
 *   after it, on TYPE/UNIT/HELP order and on a UNIT that is the suffix of its family name; it does
 *   not check HELP escapes or `le` spelling, which openmetrics.test.ts covers.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor } from '../../../src/index.js';
import { ManualClock } from '../../../src/testing.js';
import { ensurePromtool, promtool, type PromtoolRun } from '../../helpers/promtool.js';
import { parseSamples, parseValue, type Sample } from './parse-exposition.js';

let work: string;

beforeAll(() => {
  ensurePromtool();
  work = mkdtempSync(join(tmpdir(), 'pulsewatch-promtool-'));
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A monitor with what a real service exposes, including the awkward parts. */
function realisticMonitor(): { monitor: Monitor; clock: ManualClock } {
  const clock = new ManualClock();
  const monitor = createMonitor({ clock, service: 'api' });
  monitor.on('error', () => {}); // the drops and overflow below are on purpose

  const trickyRoutes = ['/users/"quoted"', 'C:\\windows\\path', 'multi\nline', 'café/日本/🚀', '', '{a="b"},c'];
  const requests = monitor.counter({
    name: 'http_requests_total',
    help: 'HTTP requests "served", by route\nand method; path like C:\\temp',
    labelNames: ['method', 'route', 'status'],
  });
  const latency = monitor.histogram({
    name: 'http_request_duration_seconds',
    help: 'Request latency with "quotes" and a \\ backslash',
    labelNames: ['method', 'route'],
    unit: 'seconds',
  });
  trickyRoutes.forEach((route, i) => {
    requests.inc({ method: 'GET', route, status: 200 }, i + 1);
    requests.inc({ method: 'POST', route, status: '500' });
    // Over 128 values in one slot for some series (HDR counts), a few for others (raw values).
    const n = i % 2 === 0 ? 300 : 3;
    for (let k = 0; k < n; k++) latency.observe(0.001 * ((k * 37) % 2000), { method: 'GET', route });
  });

  monitor.counter({ name: 'cache_evictions_total', help: 'Never incremented: exposed as 0' });
  monitor.counter({ name: 'sent_bytes_total', help: 'Bytes sent', unit: 'bytes' }).inc(1.5e6);
  const depth = monitor.gauge({ name: 'queue_depth', help: 'Jobs waiting, by queue', labelNames: ['queue'] });
  depth.set(12, { queue: 'email' });
  depth.set(Infinity, { queue: 'unbounded' });
  depth.set(-Infinity, { queue: 'drained "fully"' });
  monitor.gauge({ name: 'temperature_celsius', help: 'Room temperature', unit: 'celsius' }).set(-3.25);
  monitor.gauge({ name: 'process_open_handles', help: 'Collected on scrape', collect: () => 42 });
  const size = monitor.histogram({ name: 'payload_size_bytes', help: 'Payload sizes', unit: 'bytes', buckets: [100, 1e4, 1e6, 1e8] });
  for (let k = 0; k < 200; k++) size.observe(k * 5_000);

  const tracked = monitor.withPerformanceTracking(() => 'done', { name: 'generate', service: 'api', operation: 'render' });
  tracked();

  // The seed-style API: a histogram named after metricType, with tags as labels.
  monitor.recordMetric({ metricType: 'response_time', value: 250, unit: 'ms', tags: { endpoint: '/api/users', method: 'GET' } });
  monitor.recordMetric({ metricType: 'response_time', value: 1200, unit: 'ms', tags: { endpoint: '/api/"odd"', method: 'POST' } });

  // Self-metrics with samples: a dropped value and a series folded into the overflow series.
  requests.inc({ method: 'GET', route: '/', status: 200 }, -1);
  const capped = monitor.counter({ name: 'capped_total', help: 'Two series at most', labelNames: ['user'], maxSeries: 2 });
  for (const user of ['a', 'b', 'c', 'd']) capped.inc({ user });

  // Close a slot so exposition adds closed and current slots, then record a little more.
  clock.advance(30_000);
  latency.observe(0.2, { method: 'GET', route: trickyRoutes[0]! });
  requests.inc({ method: 'GET', route: trickyRoutes[0]!, status: 200 });
  return { monitor, clock };
}

/** The TYPE'd family each sample belongs to (histogram samples under their histogram). */
function familyCardinality(text: string): Map<string, number> {
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) types.set(m[1]!, m[2]!);
  const out = new Map<string, number>();
  for (const s of parseSamples(text)) {
    const family = types.has(s.name) ? s.name : s.name.replace(/_(bucket|sum|count)$/, '');
    expect(types.get(family), `family of ${s.name}`).toBeDefined();
    out.set(family, (out.get(family) ?? 0) + 1);
  }
  return out;
}

/** Series key for comparing samples: name plus sorted labels, without empty ones (Prometheus drops a label whose value is empty). */
function seriesKey(name: string, labels: Record<string, string>): string {
  const pairs = Object.entries(labels).filter(([, v]) => v !== '');
  return JSON.stringify([name, pairs.sort(([a], [b]) => (a < b ? -1 : 1))]);
}

/** Reads `promtool tsdb dump` lines: `{__name__="x", a="b"} value timestamp` (Go-quoted label values). */
function parseDump(dump: string): Map<string, { value: number; ts: number }> {
  const out = new Map<string, { value: number; ts: number }>();
  for (const line of dump.split('\n')) {
    if (line === '') continue;
    const m = /^\{(.*)\} (\S+) (-?\d+)$/.exec(line);
    if (m === null) throw new Error(`unexpected dump line ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    for (const l of m[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = JSON.parse(`"${l[2]}"`) as string;
    const { __name__: name, ...rest } = labels;
    out.set(seriesKey(name!, rest), { value: parseValue(m[2]!), ts: Number(m[3]) });
  }
  return out;
}

/** Appends ` <seconds>` to every sample line: the backfill parser needs a timestamp on each. */
function withTimestamps(text: string, seconds: number): string {
  return text
    .split('\n')
    .map((line) => (line === '' || line.startsWith('#') ? line : `${line} ${seconds}`))
    .join('\n');
}

/** Parses an OpenMetrics document with Prometheus' OpenMetrics parser via a backfill; returns the run and the block dir. */
function backfillOpenMetrics(text: string, name: string): { run: PromtoolRun; dir: string } {
  const file = join(work, `${name}.om.txt`);
  const dir = join(work, `${name}-blocks`);
  writeFileSync(file, text);
  return { run: promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, dir]), dir };
}

describe('promtool check metrics on the Prometheus text format 0.0.4', () => {
  it('parses a realistic exposition with exit code 0 and no lint output', () => {
    const text = realisticMonitor().monitor.exportPrometheusMetrics({ format: 'prometheus' });
    // The fixture does contain what it claims to.
    expect(text).toContain('route="multi\\nline"');
    expect(text).toContain('# HELP http_requests_total HTTP requests "served", by route\\nand method; path like C:\\\\temp\n');
    expect(text).toContain('pulsewatch_dropped_total{reason="invalid_value"}');
    expect(text).toContain('pulsewatch_series_overflow_total{metric="capped_total"}');
    expect(text).toContain('response_time_bucket{endpoint="/api/users",method="GET",le="250.0"} 1');
    expect(text).toContain('cache_evictions_total 0\n');

    const run = promtool(['check', 'metrics'], text);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('reads every sample into the family we wrote it for (--extended cardinality)', () => {
    const text = realisticMonitor().monitor.exportPrometheusMetrics({ format: 'prometheus' });
    const run = promtool(['check', 'metrics', '--extended'], text);
    expect(run.status, run.stderr).toBe(0);
    const read = new Map<string, number>();
    for (const line of run.stdout.split('\n').slice(1)) {
      const [name, cardinality] = line.trim().split(/\s+/);
      if (name && name !== 'Total') read.set(name, Number(cardinality));
    }
    expect(read).toEqual(familyCardinality(text));
  });

  it('lints a definition that breaks naming conventions (the check has teeth)', () => {
    const monitor = createMonitor({ clock: new ManualClock() });
    monitor.counter({ name: 'requests', help: 'x' }).inc();
    const run = promtool(['check', 'metrics'], monitor.exportPrometheusMetrics());
    expect(run.status).toBe(3);
    expect(run.stderr).toContain('requests counter metrics should have "_total" suffix');
  });

  it('passes lint with the job metrics of recordJobExecution', () => {
    const monitor = createMonitor({ clock: new ManualClock() });
    monitor.recordJobExecution('content-generation', true, 25_000);
    const run = promtool(['check', 'metrics'], monitor.exportPrometheusMetrics());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe("Prometheus' OpenMetrics parser (promtool tsdb create-blocks-from openmetrics) on OpenMetrics 1.0", () => {
  it('parses a realistic exposition and reads back every series, label value and value we wrote', () => {
    const { monitor, clock } = realisticMonitor();
    const text = monitor.exportPrometheusMetrics({ format: 'openmetrics' });
    expect(text).toContain('# UNIT http_request_duration_seconds seconds\n');
    expect(text).toContain('# HELP http_requests HTTP requests \\"served\\", by route\\nand method; path like C:\\\\temp\n');
    expect(text.endsWith('# EOF\n')).toBe(true);

    const seconds = Math.floor(clock.now() / 1000);
    const { run, dir } = backfillOpenMetrics(withTimestamps(text, seconds), 'realistic');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);

    // `tsdb dump` opens a database directory, which needs a (here empty) WAL folder.
    mkdirSync(join(dir, 'wal'), { recursive: true });
    const dump = promtool(['tsdb', 'dump', dir]);
    expect(dump.status, dump.stderr).toBe(0);
    const read = parseDump(dump.stdout);

    const written = new Map<string, { value: number; ts: number }>();
    const samples: Sample[] = parseSamples(text);
    for (const s of samples) written.set(seriesKey(s.name, s.labels), { value: s.value, ts: seconds * 1000 });
    expect(written.size).toBe(samples.length); // every series written once
    expect(read).toEqual(written);
    // Spot checks of what the parser decoded.
    expect(read.get(seriesKey('http_requests_total', { method: 'GET', route: 'multi\nline', status: '200' }))?.value).toBe(3);
    expect(read.get(seriesKey('http_requests_total', { method: 'GET', route: 'café/日本/🚀', status: '200' }))?.value).toBe(4);
    expect(read.get(seriesKey('queue_depth', { queue: 'drained "fully"' }))?.value).toBe(-Infinity);
    expect(read.get(seriesKey('cache_evictions_total', {}))?.value).toBe(0);
  });

  it('rejects a document without "# EOF" (the check has teeth)', () => {
    const monitor = createMonitor({ clock: new ManualClock() });
    monitor.gauge({ name: 'g', help: 'x' }).set(1);
    const text = withTimestamps(monitor.exportPrometheusMetrics({ format: 'openmetrics' }), 1767225600).replace('# EOF\n', '');
    const { run } = backfillOpenMetrics(text, 'no-eof');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('data does not end with # EOF');
  });

  it('rejects a UNIT that is not the suffix of its family (the check has teeth)', () => {
    const monitor = createMonitor({ clock: new ManualClock() });
    monitor.gauge({ name: 'disk_free_bytes', help: 'x', unit: 'bytes' }).set(1);
    const text = withTimestamps(monitor.exportPrometheusMetrics({ format: 'openmetrics' }), 1767225600).replace('# UNIT disk_free_bytes bytes', '# UNIT disk_free_bytes seconds');
    const { run } = backfillOpenMetrics(text, 'bad-unit');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('unit not a suffix of metric');
  });
});
