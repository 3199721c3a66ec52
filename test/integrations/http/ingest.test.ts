/**
 * POST /metrics of createMonitoringHandler (seed 003's ingestion): one record or an array,
 * all-or-nothing validation, and the body limits (content type, size, record count).
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, type MonitoringHandlerOptions, type PulsewatchError } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { closeAfterEach } from '../../helpers/closing.js';

const BASE = '/api/monitoring';
const TOKEN = 'pw_ingest_3c5e7a9b1d2f4e6a';
const URL_METRICS = `http://localhost${BASE}/metrics`;

const closing = closeAfterEach();

function setup(options: MonitoringHandlerOptions = {}) {
  const clock = new ManualClock();
  const monitor = createMonitor({ service: 'test', clock });
  closing(monitor);
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  const handler = createMonitoringHandler(monitor, { basePath: BASE, auth: TOKEN, ...options });
  /** POSTs `body` (a string is sent as is, anything else as JSON) with the token and a JSON content type. */
  const post = (body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    handler(
      new Request(URL_METRICS, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  /** A seed 003 record stamped with the monitor's current time. */
  const record = (fields: Record<string, unknown> = {}) => ({
    metricType: 'response_time',
    value: 250,
    unit: 'ms',
    tags: { endpoint: '/api/projects', method: 'GET' },
    timestamp: new Date(clock.now()).toISOString(),
    ...fields,
  });
  /** Observations of `name` in the last 5 minutes (0 when the metric was never recorded). */
  const count = async (name = 'response_time'): Promise<number> => (monitor.getMetric(name) === undefined ? 0 : (await monitor.getAggregatedMetrics({ name })).count);
  return { clock, monitor, errors, handler, post, record, count };
}

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

const errorOf = async (response: Response): Promise<ErrorBody['error']> => ((await response.json()) as ErrorBody).error;

/** A body of `size` bytes: a ReadableStream yielding `chunk`-byte pieces (forever when `size` is Infinity). */
function streamOf(size: number, chunk = 512): { stream: ReadableStream<Uint8Array>; pulled: () => number; cancelled: () => boolean } {
  let sent = 0;
  let pulls = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulls++;
      if (sent >= size) {
        controller.close();
        return;
      }
      const n = Math.min(chunk, size - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n).fill(0x20));
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, pulled: () => pulls, cancelled: () => cancelled };
}

describe('POST /metrics accepting records', () => {
  it('records a seed 003 record and answers 202 { accepted: 1 }', async () => {
    const { post, record, count, monitor, errors } = setup();
    const response = await post(record());
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ accepted: 1 });
    expect(await count()).toBe(1);
    const aggregated = await monitor.getAggregatedMetrics({ name: 'response_time', labels: { endpoint: '/api/projects', method: 'GET' } });
    expect(aggregated).toMatchObject({ count: 1, kind: 'histogram' });
    expect(aggregated.sum).toBeCloseTo(250, -1);
    expect((await monitor.snapshot()).performance.snapshot).toEqual([expect.objectContaining({ name: 'response_time', count: 1 })]);
    expect(errors).toEqual([]);
  });

  it('records an array of records and answers their number', async () => {
    const { post, record, count } = setup();
    const response = await post([record(), record({ value: 120 }), record({ value: 900, tags: { endpoint: '/api/users', method: 'POST' } })]);
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 3 });
    expect(await count()).toBe(3);
  });

  it('takes a record without timestamp, unit or tags, and extra scalar fields as labels', async () => {
    const { post, monitor } = setup();
    expect((await post({ metricType: 'API_RESPONSE_TIME', value: 10, service: 'billing' })).status).toBe(202);
    expect(monitor.exportPrometheusMetrics()).toContain('api_response_time_count{service="billing"} 1\n');
  });

  it('takes a +json content type and a charset parameter', async () => {
    const { post, record, count } = setup();
    expect((await post(record(), { 'content-type': 'application/vnd.pulsewatch+json' })).status).toBe(202);
    expect((await post(record(), { 'content-type': 'application/json; charset=utf-8' })).status).toBe(202);
    expect(await count()).toBe(2);
  });

  it('takes exactly maxRecords records and a body of exactly maxBodyBytes', async () => {
    const { post, record, count } = setup({ maxRecords: 3 });
    expect((await post([record(), record(), record()])).status).toBe(202);
    const body = JSON.stringify(record());
    const exact = setup({ maxBodyBytes: Buffer.byteLength(body) });
    expect((await exact.post(body, { 'content-length': String(Buffer.byteLength(body)) })).status).toBe(202);
    expect(await count()).toBe(3);
    expect(await exact.count()).toBe(1);
  });
});

describe('POST /metrics refusing records', () => {
  it('answers 400 naming every bad field by index, and records nothing from the array', async () => {
    const { post, record, count, monitor } = setup();
    const response = await post([record(), record({ value: -5 }), record({ metricType: '' }), record()]);
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('VALIDATION_FAILED');
    const paths = error.issues!.map((i) => i.path);
    expect(paths).toContain('1.value');
    expect(paths).toContain('2.metricType');
    expect(paths.every((p) => p.startsWith('1.') || p.startsWith('2.'))).toBe(true);
    expect(error.message).toContain('1.value');
    // Nothing was recorded, not even the valid records before the bad one.
    expect(monitor.getMetric('response_time')).toBeUndefined();
    expect(await count()).toBe(0);
  });

  it('names the field without an index for a single record', async () => {
    const { post, record, monitor } = setup();
    const response = await post(record({ value: 'fast', tags: { 'bad-label': 'x' } }));
    expect(response.status).toBe(400);
    const paths = (await errorOf(response)).issues!.map((i) => i.path);
    expect(paths).toContain('value');
    expect(paths).toContain('tags.bad-label');
    expect(monitor.getMetric('response_time')).toBeUndefined();
  });

  it('answers 400 for bodies that are not a record or a non-empty array of them', async () => {
    const { post } = setup();
    for (const body of ['[]', '"text"', '42', 'null', 'true']) {
      const response = await post(body);
      expect(response.status, body).toBe(400);
      expect((await errorOf(response)).code, body).toBe('VALIDATION_FAILED');
    }
    const inner = await post('[1, null]');
    expect(inner.status).toBe(400);
    expect((await errorOf(inner)).issues!.map((i) => i.path)).toEqual(expect.arrayContaining([expect.stringMatching(/^0/), expect.stringMatching(/^1/)]));
  });

  it('answers 400 INVALID_JSON without echoing the body', async () => {
    const { post, count } = setup();
    const secret = 'sk_live_do_not_echo_51HzQ';
    const response = await post(`{"metricType":"response_time","value":1,"note":"${secret}",`);
    expect(response.status).toBe(400);
    const text = await response.text();
    const error = (JSON.parse(text) as ErrorBody).error;
    expect(error.code).toBe('INVALID_JSON');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('metricType');
    expect(await count()).toBe(0);
  });

  it('answers 400 INVALID_JSON for a body that is not UTF-8', async () => {
    const { handler } = setup();
    const response = await handler(
      new Request(URL_METRICS, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }),
    );
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('INVALID_JSON');
  });

  it('answers 415 UNSUPPORTED_MEDIA_TYPE for a content type other than JSON', async () => {
    const { post, record, count } = setup();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'text/json']) {
      const response = await post(record(), { 'content-type': type });
      expect(response.status, type).toBe(415);
      expect((await errorOf(response)).code, type).toBe('UNSUPPORTED_MEDIA_TYPE');
    }
    expect(await count()).toBe(0);
  });

  it('answers 400 for an empty body', async () => {
    const { handler, post } = setup();
    const empty = await post('');
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).code).toBe('VALIDATION_FAILED');
    const whitespace = await post('  \n ');
    expect(whitespace.status).toBe(400);
    const none = await handler(new Request(URL_METRICS, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } }));
    expect(none.status).toBe(400);
    expect((await errorOf(none)).issues).toEqual([{ path: '', message: expect.any(String) }]);
  });

  it('answers 413 PAYLOAD_TOO_LARGE for more than maxRecords records, recording none', async () => {
    const { post, record, count } = setup({ maxRecords: 2 });
    const response = await post([record(), record(), record()]);
    expect(response.status).toBe(413);
    const error = await errorOf(response);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toContain('2');
    expect(await count()).toBe(0);
  });

  it('answers 413 from a declared Content-Length over maxBodyBytes before reading the body', async () => {
    const { handler, count } = setup({ maxBodyBytes: 1_024 });
    const body = streamOf(Infinity);
    const response = await handler(
      new Request(URL_METRICS, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'content-length': '5000' },
        body: body.stream,
        duplex: 'half',
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect((await errorOf(response)).code).toBe('PAYLOAD_TOO_LARGE');
    // Refused on the header alone: at most the stream's first pull (which a ReadableStream makes on its own).
    expect(body.pulled()).toBeLessThanOrEqual(1);
    expect(await count()).toBe(0);
  });

  it('answers 413 for a complete body over maxBodyBytes with its Content-Length', async () => {
    const { post, record, count } = setup({ maxBodyBytes: 1_024 });
    const big = JSON.stringify(Array.from({ length: 20 }, () => record()));
    expect(Buffer.byteLength(big)).toBeGreaterThan(1_024);
    const response = await post(big, { 'content-length': String(Buffer.byteLength(big)) });
    expect(response.status).toBe(413);
    expect(await count()).toBe(0);
  });

  it('answers 413 for a streamed body without Content-Length, and stops reading at the limit', async () => {
    const { handler, count } = setup({ maxBodyBytes: 1_024 });
    // An endless upload: the handler must stop by itself and cancel the stream.
    const body = streamOf(Infinity, 256);
    const request = new Request(URL_METRICS, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: body.stream,
      duplex: 'half',
    } as RequestInit);
    expect(request.headers.get('content-length')).toBeNull();
    const response = await handler(request);
    expect(response.status).toBe(413);
    expect((await errorOf(response)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.pulled()).toBeLessThan(12); // 1024 / 256 = 4 chunks, plus the stream's read-ahead
    expect(body.cancelled()).toBe(true);
    expect(await count()).toBe(0);
  });

  it('takes a streamed body without Content-Length under the limit', async () => {
    const { handler, record, count } = setup({ maxBodyBytes: 1_024 });
    const bytes = new TextEncoder().encode(JSON.stringify([record(), record()]));
    let i = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (i >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(i, i + 16));
        i += 16;
      },
    });
    const response = await handler(
      new Request(URL_METRICS, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: stream, duplex: 'half' } as RequestInit),
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 2 });
    expect(await count()).toBe(2);
  });
});

describe('POST /metrics and what the monitor would drop', () => {
  // "Every record is validated before any is recorded, so a 400 means nothing was taken" and
  // `accepted: n` says n were taken. A metricType keeps the unit it was first recorded in;
  // recordMetric drops (and emits as an error) a record in another unit, so the route must
  // refuse it rather than count it as accepted.
  it('does not answer 202 for a record whose unit conflicts with the one its metricType was recorded in', async () => {
    const { post, record, count } = setup();
    expect((await post(record({ unit: 'ms' }))).status).toBe(202);
    const response = await post(record({ unit: 's' }));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).issues?.map((i) => i.path)).toContain('unit');
    expect(await count()).toBe(1);
  });

  it('records nothing from an array whose records disagree on a unit', async () => {
    const { post, record, monitor } = setup();
    const response = await post([record({ metricType: 'render_time', unit: 'ms' }), record({ metricType: 'render_time', unit: 's' })]);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).issues?.map((i) => i.path)).toContain('1.unit');
    expect(monitor.getMetric('render_time')).toBeUndefined();
  });

  it('does not answer 202 for a metricType that names a metric of another kind', async () => {
    const { post, record, monitor } = setup();
    monitor.counter({ name: 'orders_total', help: 'Orders' }).inc();
    const response = await post(record({ metricType: 'orders_total' }));
    expect(response.status).toBe(400);
    expect((await errorOf(response)).issues?.map((i) => i.path)).toContain('metricType');
  });
});
