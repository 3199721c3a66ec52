/**
 * POST /metrics under hostile input (issue 14 items 6 and 9), on a real node:http server:
 * all-or-nothing under every failure, a bounded error body, and 415 for a body that does not
 * say it is JSON.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor, type MonitorOptions, type MonitoringHandlerOptions } from 'pulsewatch';
import { createNodeMonitoringHandler } from 'pulsewatch/node';
import { ManualClock } from 'pulsewatch/testing';

const TOKEN = 'pw_bounds_0a1b2c3d4e5f6a7b';

const servers: Server[] = [];
const monitors: Monitor[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

interface Answer {
  status: number;
  text: string;
  json: { error?: { code: string; message: string; issues?: { path: string; message: string }[]; truncatedIssues?: number }; accepted?: number };
}

/** A monitor behind createNodeMonitoringHandler on a loopback port. */
async function serve(monitorOptions: MonitorOptions = {}, options: MonitoringHandlerOptions = {}) {
  const clock = new ManualClock();
  const monitor = createMonitor({ service: 'bounds', clock, ...monitorOptions });
  monitors.push(monitor);
  const server = createServer(createNodeMonitoringHandler(monitor, { auth: TOKEN, ...options }));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  /** POSTs `body` to /metrics with exactly `headers` plus the token (no Content-Type unless given). */
  const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/metrics', method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, text, json: JSON.parse(text) as Answer['json'] });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  const record = (fields: Record<string, unknown> = {}) => ({ metricType: 'checkout_ms', value: 120, unit: 'ms', timestamp: clock.now(), ...fields });
  const count = async (name = 'checkout_ms'): Promise<number> => (monitor.getMetric(name) === undefined ? 0 : (await monitor.getAggregatedMetrics({ name })).count);
  return { monitor, clock, post, record, count };
}

describe('POST /metrics error bodies are bounded', () => {
  it('lists at most limits.maxIssues issues of 1,000 bad records and counts the rest', async () => {
    const { post, record, count } = await serve({}, { maxBodyBytes: 1024 * 1024 });
    const bad = Array.from({ length: 1_000 }, (_, i) => record({ value: -i - 1, tags: { 'bad-label': 'x' } }));
    const answer = await post(JSON.stringify(bad));
    expect(answer.status).toBe(400);
    expect(answer.json.error!.issues).toHaveLength(20);
    expect(answer.json.error!.truncatedIssues).toBe(2_000 - 20);
    expect(answer.json.error!.message).toMatch(/; and 1997 more$/);
    // Was 1 MB; now a few kilobytes whatever the batch.
    expect(answer.text.length).toBeLessThan(8_000);
    expect(await count()).toBe(0);
  });

  it('follows the monitor\'s limits.maxIssues', async () => {
    const { post, record } = await serve({ limits: { maxIssues: 3 } });
    const answer = await post(JSON.stringify(Array.from({ length: 10 }, () => record({ value: -1 }))));
    expect(answer.json.error!.issues!.map((i) => i.path)).toEqual(['0.value', '1.value', '2.value']);
    expect(answer.json.error!.truncatedIssues).toBe(7);
  });

  it('cuts an issue that quotes a huge field instead of echoing it whole', async () => {
    const { post, record } = await serve();
    const answer = await post(JSON.stringify(record({ timestamp: 'x'.repeat(90_000) })));
    expect(answer.status).toBe(400);
    expect(answer.json.error!.issues![0]!.path).toBe('timestamp');
    expect(answer.text.length).toBeLessThan(2_000);
  });
});

describe('POST /metrics is all-or-nothing', () => {
  it('records the whole batch and answers 202 even if recording one record throws (a throwing listener)', async () => {
    const { monitor, post, record, count } = await serve();
    let seen = 0;
    monitor.on('metricRecorded', () => {
      if (++seen === 2) throw new Error('listener bug');
    });
    const answer = await post(JSON.stringify([record(), record(), record()]));
    expect(answer.status).toBe(202);
    expect(answer.json).toEqual({ accepted: 3 });
    expect(await count()).toBe(3);
  });

  it('answers 400 and records nothing when one record has a timestamp far out of range', async () => {
    const { post, record, count } = await serve();
    const answer = await post(JSON.stringify([record(), record({ timestamp: -1e16 })]));
    expect(answer.status).toBe(400);
    expect(answer.json.error!.issues!.map((i) => i.path)).toContain('1.timestamp');
    expect(await count()).toBe(0);
  });

  it('answers 400 and records nothing when the batch would define more metric names than limits.maxRecordedMetrics', async () => {
    const { monitor, post, record } = await serve({ limits: { maxRecordedMetrics: 3 } });
    const answer = await post(JSON.stringify(Array.from({ length: 5 }, (_, i) => record({ metricType: `name_${i}` }))));
    expect(answer.status).toBe(400);
    expect(answer.json.error!.issues!.map((i) => i.path)).toEqual(expect.arrayContaining(['3.metricType', '4.metricType']));
    for (let i = 0; i < 5; i++) expect(monitor.getMetric(`name_${i}`)).toBeUndefined();
  });
});

describe('POST /metrics needs a JSON content type', () => {
  it('answers 415 to a JSON body sent without Content-Type, and records nothing', async () => {
    const { post, record, count } = await serve();
    const answer = await post(JSON.stringify(record()), {});
    expect(answer.status).toBe(415);
    expect(answer.json.error).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request body must be application/json, got no Content-Type' });
    expect(await count()).toBe(0);
  });

  it('answers 415 to a chunked body without Content-Type (no declared length)', async () => {
    const { post, record, count } = await serve();
    const answer = await post(JSON.stringify(record()), { 'transfer-encoding': 'chunked' });
    expect(answer.status).toBe(415);
    expect(await count()).toBe(0);
  });

  it('still takes an empty body without Content-Type as no body (400 for /metrics, which needs one)', async () => {
    const { post } = await serve();
    const answer = await post('', {});
    expect(answer.status).toBe(400);
    expect(answer.json.error!.code).toBe('VALIDATION_FAILED');
  });
});
