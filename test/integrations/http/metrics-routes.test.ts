/**
 * GET /metrics and GET /metrics/aggregate of createMonitoringHandler: the JSON snapshot, the
 * Prometheus and OpenMetrics expositions, Accept negotiation, and the name/jobId filters.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, type MonitorSnapshot } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { closeAfterEach } from '../../helpers/closing.js';

const BASE = '/api/monitoring';
const JSON_TYPE = 'application/json; charset=utf-8';
/** What Prometheus 3 sends when it scrapes (scrape_protocols default). */
const PROMETHEUS_3_ACCEPT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';

const closing = closeAfterEach();

function setup() {
  const clock = new ManualClock();
  const monitor = createMonitor({ service: 'test', clock });
  closing(monitor);
  monitor.on('error', () => {});
  const handler = createMonitoringHandler(monitor, { basePath: BASE });
  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => handler(new Request(`http://localhost${BASE}${path}`, { headers }));
  return { clock, monitor, get };
}

/** A monitor with three recorded histograms, a counter, a gauge and two jobs. */
function populated() {
  const s = setup();
  const { monitor } = s;
  for (const [value, endpoint] of [[120, '/api/projects'], [250, '/api/projects'], [900, '/api/users']] as const) {
    monitor.recordMetric({ metricType: 'response_time', value, unit: 'ms', tags: { endpoint, method: 'GET' } });
  }
  monitor.recordMetric({ metricType: 'db_query_time', value: 15, unit: 'ms', tags: { table: 'users' } });
  monitor.recordMetric({ metricType: 'queue_wait_time', value: 3, unit: 'ms' });
  monitor.counter({ name: 'orders_total', help: 'Orders placed', labelNames: ['status'] }).inc({ status: 'paid' }, 3);
  monitor.gauge({ name: 'queue_depth', help: 'Jobs waiting' }).set(7);
  monitor.recordJobExecution('content-generation', true, 25_000);
  monitor.recordJobExecution('content-generation', false, 31_000);
  monitor.recordJobExecution('email-digest', true, 1_200);
  return s;
}

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** Family names declared by `# TYPE` lines. */
function families(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!).sort();
}

describe('GET /metrics as JSON', () => {
  it('answers the snapshot by default, in seed 000 shape', async () => {
    const { get, monitor } = populated();
    const response = await get('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(JSON_TYPE);
    const body = (await response.json()) as MonitorSnapshot;
    expect(Object.keys(body).sort()).toEqual(['alerts', 'breakers', 'jobs', 'performance', 'queue', 'service', 'system', 'timestamp', 'truncated']);
    expect(body.service).toBe('test');
    expect(body.timestamp).toBe('2026-01-01T00:00:00.000Z');
    expect(body.jobs.map((j) => j.jobId)).toEqual(['content-generation', 'email-digest']);
    expect(body.jobs[0]).toMatchObject({ jobId: 'content-generation', totalExecutions: 2, successRate: 50 });
    expect(Object.keys(body.performance).sort()).toEqual(['slowest', 'snapshot', 'trends']);
    expect(body.performance.snapshot.find((s) => s.name === 'response_time')).toMatchObject({ count: 3 });
    expect(body.system.avgResponseTime).toBeGreaterThan(0);
    expect(body.alerts).toEqual({ active: 0, items: [] });
    expect(body.truncated).toEqual({ jobs: 0, alerts: 0 });
    expect(body.breakers).toEqual([]);
    // The same snapshot the monitor builds itself.
    expect(body).toEqual(JSON.parse(JSON.stringify((await monitor.snapshot()))));
  });

  it('answers JSON for ?format=json even when Accept asks for text', async () => {
    const { get } = populated();
    const response = await get('/metrics?format=json', { accept: 'text/plain' });
    expect(response.headers.get('content-type')).toBe(JSON_TYPE);
    expect(((await response.json()) as MonitorSnapshot).service).toBe('test');
  });

  it('?name= keeps only those histograms in performance.snapshot (comma-separated or repeated)', async () => {
    const { get } = populated();
    const one = (await (await get('/metrics?name=response_time')).json()) as MonitorSnapshot;
    expect(one.performance.snapshot.map((s) => s.name)).toEqual(['response_time']);
    expect(one.performance.slowest.every((s) => s.name === 'response_time')).toBe(true);
    expect(one.performance.slowest).toHaveLength(2); // one per endpoint series

    const comma = (await (await get('/metrics?name=response_time,db_query_time')).json()) as MonitorSnapshot;
    expect(comma.performance.snapshot.map((s) => s.name).sort()).toEqual(['db_query_time', 'response_time']);
    const repeated = (await (await get('/metrics?name=response_time&name=db_query_time')).json()) as MonitorSnapshot;
    expect(repeated.performance.snapshot.map((s) => s.name).sort()).toEqual(['db_query_time', 'response_time']);
    const spaced = (await (await get('/metrics?name=response_time,%20queue_wait_time,')).json()) as MonitorSnapshot;
    expect(spaced.performance.snapshot.map((s) => s.name).sort()).toEqual(['queue_wait_time', 'response_time']);

    const all = (await (await get('/metrics')).json()) as MonitorSnapshot;
    expect(all.performance.snapshot.map((s) => s.name)).toEqual(expect.arrayContaining(['db_query_time', 'queue_wait_time', 'response_time']));
    const none = (await (await get('/metrics?name=does_not_exist')).json()) as MonitorSnapshot;
    expect(none.performance.snapshot).toEqual([]);
  });

  it('?jobId= keeps one job in jobs', async () => {
    const { get } = populated();
    const body = (await (await get('/metrics?jobId=email-digest')).json()) as MonitorSnapshot;
    expect(body.jobs).toEqual([{ jobId: 'email-digest', totalExecutions: 1, successRate: 100, avgExecutionTime: 1_200, p95ExecutionTime: expect.any(Number) }]);
    const unknown = (await (await get('/metrics?jobId=nope')).json()) as MonitorSnapshot;
    expect(unknown.jobs).toEqual([]);
  });

  it('?organizationId= and ?label.<name>= narrow the JSON snapshot to one tenant; the exposition refuses them', async () => {
    const { monitor, get } = setup();
    for (const [org, value] of [['org-a', 100], ['org-a', 200], ['org-b', 900]] as const) {
      monitor.recordMetric({ metricType: 'response_time', value, unit: 'ms', tags: { organizationId: org } });
    }
    const counts = (body: MonitorSnapshot) => body.performance.snapshot.filter((m) => m.name === 'response_time').map((m) => m.count);
    expect(counts((await (await get('/metrics')).json()) as MonitorSnapshot)).toEqual([3]);
    expect(counts((await (await get('/metrics?organizationId=org-a')).json()) as MonitorSnapshot)).toEqual([2]);
    expect(counts((await (await get('/metrics?label.organizationId=org-b')).json()) as MonitorSnapshot)).toEqual([1]);
    const scrape = await get('/metrics?format=prometheus&organizationId=org-a');
    expect(scrape.status).toBe(400);
    expect(((await scrape.json()) as ErrorBody).error.issues?.map((i) => i.path)).toEqual(['organizationId']);
    const flood = await get(`/metrics?${Array.from({ length: 33 }, (_, i) => `label.l${i}=x`).join('&')}`);
    expect(flood.status).toBe(400);
    expect(((await flood.json()) as ErrorBody).error.issues?.map((i) => i.path)).toEqual(['label']);
  });

  it('answers 400 for an empty jobId', async () => {
    const { get } = populated();
    const response = await get('/metrics?jobId=');
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.issues?.map((i) => i.path)).toEqual(['jobId']);
  });
});

describe('GET /metrics as text', () => {
  it('?format=prometheus answers the text format 0.0.4', async () => {
    const { get, monitor } = populated();
    const response = await get('/metrics?format=prometheus');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    const text = await response.text();
    expect(text).toContain('# TYPE response_time histogram\n');
    expect(text).toContain('response_time_count{endpoint="/api/projects",method="GET"} 2\n');
    expect(text).toContain('orders_total{status="paid"} 3\n');
    expect(text).toContain('queue_depth 7\n');
    expect(text).not.toContain('# EOF');
    expect(text).toBe(monitor.exportPrometheusMetrics({ format: 'prometheus' }));
  });

  it('?format=openmetrics answers OpenMetrics 1.0, ending with # EOF', async () => {
    const { get, monitor } = populated();
    const response = await get('/metrics?format=openmetrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(response.headers.get('content-type')).toBe(OPENMETRICS_CONTENT_TYPE);
    const text = await response.text();
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text.match(/# EOF/g)).toHaveLength(1);
    expect(text).toContain('# TYPE orders counter\n');
    expect(text).toContain('orders_total{status="paid"} 3\n');
    expect(text).toBe(monitor.exportPrometheusMetrics({ format: 'openmetrics' }));
  });

  it('?name= keeps only those families in both text formats', async () => {
    const { get } = populated();
    const prom = await (await get('/metrics?format=prometheus&name=response_time,orders_total')).text();
    expect(families(prom)).toEqual(['orders_total', 'response_time']);
    const repeated = await (await get('/metrics?format=prometheus&name=queue_depth&name=db_query_time')).text();
    expect(families(repeated)).toEqual(['db_query_time', 'queue_depth']);
    expect(repeated).not.toContain('response_time');
    expect(repeated).not.toContain('pulsewatch_');
    const om = await (await get('/metrics?format=openmetrics&name=response_time')).text();
    expect(families(om)).toEqual(['response_time']);
    expect(om.endsWith('# EOF\n')).toBe(true);
    // Without a filter, every family (self-metrics included).
    const all = families(await (await get('/metrics?format=prometheus')).text());
    expect(all).toEqual(expect.arrayContaining(['db_query_time', 'job_executions_total', 'orders_total', 'queue_depth', 'queue_wait_time', 'response_time']));
    expect(all.length).toBeGreaterThan(6);
  });

  it('answers 400 VALIDATION_FAILED with an issue for an unknown format', async () => {
    const { get } = populated();
    for (const format of ['xml', 'PROMETHEUS', '']) {
      const response = await get(`/metrics?format=${format}`);
      expect(response.status, format).toBe(400);
      const { error } = (await response.json()) as ErrorBody;
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.issues).toEqual([{ path: 'format', message: expect.any(String) }]);
    }
  });
});

describe('Accept negotiation', () => {
  async function formatFor(accept: string | undefined): Promise<{ status: number; type: string | null }> {
    const { get } = populated();
    const response = await get('/metrics', accept === undefined ? {} : { accept });
    await response.arrayBuffer();
    return { status: response.status, type: response.headers.get('content-type') };
  }

  it("answers OpenMetrics to Prometheus 3's scrape Accept header", async () => {
    expect(await formatFor(PROMETHEUS_3_ACCEPT)).toEqual({ status: 200, type: OPENMETRICS_CONTENT_TYPE });
  });

  it("answers OpenMetrics to Prometheus 2's scrape Accept header", async () => {
    const prometheus2 = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    expect(await formatFor(prometheus2)).toEqual({ status: 200, type: OPENMETRICS_CONTENT_TYPE });
  });

  it('answers the Prometheus text format to text/plain', async () => {
    expect(await formatFor('text/plain')).toEqual({ status: 200, type: PROMETHEUS_CONTENT_TYPE });
    expect(await formatFor('text/plain;version=0.0.4')).toEqual({ status: 200, type: PROMETHEUS_CONTENT_TYPE });
    expect(await formatFor('text/*')).toEqual({ status: 200, type: PROMETHEUS_CONTENT_TYPE });
  });

  it('answers JSON to */*, application/json, an empty Accept and no Accept', async () => {
    for (const accept of ['*/*', 'application/json', 'application/json, text/plain;q=0.9', '', undefined]) {
      expect(await formatFor(accept), String(accept)).toEqual({ status: 200, type: JSON_TYPE });
    }
  });

  it('lets the highest q win, and prefers JSON, then OpenMetrics, then text on a tie', async () => {
    expect(await formatFor('application/json;q=0.2, text/plain;q=0.8')).toEqual({ status: 200, type: PROMETHEUS_CONTENT_TYPE });
    expect(await formatFor('text/plain, application/openmetrics-text')).toEqual({ status: 200, type: OPENMETRICS_CONTENT_TYPE });
    expect(await formatFor('text/plain, application/json')).toEqual({ status: 200, type: JSON_TYPE });
    // q=0 refuses a type even when */* would take it.
    expect(await formatFor('application/json;q=0, */*')).toEqual({ status: 200, type: OPENMETRICS_CONTENT_TYPE });
  });

  it('answers 406 NOT_ACCEPTABLE when Accept names nothing /metrics serves', async () => {
    for (const accept of ['application/xml', 'text/html', 'application/json;q=0']) {
      const { get } = populated();
      const response = await get('/metrics', { accept });
      expect(response.status, accept).toBe(406);
      expect(response.headers.get('content-type')).toBe(JSON_TYPE);
      expect(((await response.json()) as ErrorBody).error.code).toBe('NOT_ACCEPTABLE');
    }
  });

  it('lets ?format= win over Accept', async () => {
    const { get } = populated();
    const response = await get('/metrics?format=prometheus', { accept: 'application/xml' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
  });
});

describe('GET /metrics/aggregate', () => {
  it('answers count, percentiles and rate of a metric, narrowed by label.<name>', async () => {
    const { get } = populated();
    const response = await get('/metrics/aggregate?name=response_time&window=1h');
    expect(response.status).toBe(200);
    const all = (await response.json()) as { name: string; kind: string; count: number; max: number; window: number; series: number };
    expect(all).toMatchObject({ name: 'response_time', kind: 'histogram', count: 3, window: 3_600_000, series: 2 });
    expect(all.max).toBeCloseTo(900, -1);
    const projects = (await (await get('/metrics/aggregate?name=response_time&label.endpoint=/api/projects')).json()) as { count: number; window: number };
    expect(projects).toMatchObject({ count: 2, window: 300_000 });
  });

  it('answers 400 without a name or with a bad window', async () => {
    const { get } = populated();
    const noName = await get('/metrics/aggregate');
    expect(noName.status).toBe(400);
    expect(((await noName.json()) as ErrorBody).error.issues?.map((i) => i.path)).toEqual(['name']);
    const badWindow = await get('/metrics/aggregate?name=response_time&window=forever');
    expect(badWindow.status).toBe(400);
    expect(((await badWindow.json()) as ErrorBody).error.code).toBe('VALIDATION_FAILED');
  });
});
