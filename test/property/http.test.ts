/**
 * Properties of the monitoring handler (the Web-standard one: Next.js, Hono, workers; the Node
 * and Express adapters hand it the same Request) for any body and any query string:
 * - POST /metrics never answers 5xx with a healthy store, and is all-or-nothing: a refusal
 *   records nothing (no value, no series, no definition), a 202 accepts every record of the
 *   body, each then recorded or counted dropped;
 * - GET routes never answer 5xx for any query string, and an exposition they serve parses
 *   (promtool for text 0.0.4, the strict parser for OpenMetrics).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMonitoringHandler } from '../../src/index.js';
import { assertBatched, fcParams } from '../helpers/fast-check.js';
import { ensurePromtool } from '../helpers/promtool.js';
import { hostileString, metricRecord, Trap } from './arbitraries.js';
import { openMetricsVerdicts, promtoolVerdicts } from './exposition-check.js';
import { droppedTotal, expectPulsewatchErrors, propertyMonitor, T0, wellFormed } from './support.js';

const TOKEN = 'pw_property_5a7c9e1b3d';
const BASE = 'http://localhost/api/monitoring';

/** JSON as a client would send the generated value: a BigInt as its digits, a trap as {}. */
const toJson = (v: unknown): string => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Trap ? {} : x)) ?? 'null';

/** A body as a client may send it: JSON of records (valid, near-valid, junk), or not JSON at all. */
const body = fc.oneof(
  { arbitrary: fc.array(metricRecord(T0), { minLength: 0, maxLength: 8 }).map((r) => ({ raw: toJson(r), type: 'application/json' })), weight: 6 },
  { arbitrary: metricRecord(T0).map((r) => ({ raw: toJson(r), type: 'application/json' })), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ({ raw: toJson(v), type: 'application/json' })), weight: 2 },
  { arbitrary: fc.string({ maxLength: 40 }).map((raw) => ({ raw, type: 'application/json' })), weight: 1 },
  {
    arbitrary: fc.tuple(fc.array(metricRecord(T0), { maxLength: 3 }), fc.constantFrom(undefined, 'text/plain', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'application/jsonx', 'APPLICATION/JSON')).map(([r, type]) => ({ raw: toJson(r), type })),
    weight: 1,
  },
);

/** The user-visible state a refused POST must leave as it was: every family but pulsewatch's own. */
function userState(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^(# (HELP|TYPE|UNIT) )?pulsewatch_/.test(line))
    .join('\n');
}

function setup() {
  const m = propertyMonitor();
  const handler = createMonitoringHandler(m.monitor, { auth: TOKEN, basePath: '/api/monitoring' });
  return { ...m, handler };
}

describe('property: POST /metrics', () => {
  it('never answers 5xx; a refusal records nothing, a 202 takes every record (recorded or counted dropped)', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(body, { minLength: 1, maxLength: 4 }), async (bodies) => {
        const { monitor, handler, errors, recorded } = setup();
        for (const b of bodies) {
          const before = { state: userState(monitor.exportPrometheusMetrics()), recorded: recorded(), dropped: droppedTotal(monitor), buffered: monitor.bufferedRollups };
          const response = await handler(
            new Request(`${BASE}/metrics`, {
              method: 'POST',
              headers: { authorization: `Bearer ${TOKEN}`, ...(b.type === undefined ? {} : { 'content-type': b.type }) },
              body: b.raw,
            }),
          );
          const answer = await response.text();
          expect(response.status, answer).toBeLessThan(500);
          if (response.status === 202) {
            const { accepted } = JSON.parse(answer) as { accepted: number };
            const parsed = JSON.parse(b.raw) as unknown;
            expect(accepted).toBe(Array.isArray(parsed) ? parsed.length : 1);
            expect(recorded() - before.recorded + (droppedTotal(monitor) - before.dropped), 'recorded + dropped = accepted').toBe(accepted);
          } else {
            expect({ recorded: recorded(), buffered: monitor.bufferedRollups, state: userState(monitor.exportPrometheusMetrics()) }, `answered ${response.status}: ${answer}`).toEqual({
              recorded: before.recorded,
              buffered: before.buffered,
              state: before.state,
            });
          }
        }
        await monitor.close();
        expectPulsewatchErrors(errors);
      }),
      fcParams(200),
    );
  });
});

/** A query string of the parameters the routes read, plus junk, with hostile values. */
const query = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom('format', 'name', 'jobId', 'window', 'label.route', 'label.', 'group', 'quick', 'status', 'limit', 'from'), hostileString), fc.oneof(fc.constantFrom('prometheus', 'openmetrics', 'json', 'text', '', '5m', '1'.repeat(400) + 'd', 'prop_requests_total,prop_latency_seconds'), hostileString)), { maxLength: 4 })
  .map((pairs) => {
    const params = new URLSearchParams();
    for (const [k, v] of pairs) params.append(wellFormed(k), wellFormed(v));
    return params.toString();
  });

const getRequest = fc.record({
  path: fc.constantFrom('/metrics', '/metrics/aggregate', '/health', '/health/db', '/alerts/rules', '/alerts/active', '/alerts/pending', '/alerts/history'),
  query,
  accept: fc.constantFrom(undefined, 'application/openmetrics-text;version=1.0.0', 'text/plain;version=0.0.4', '*/*', 'application/json', 'garbage;;q=x'),
});

/** Serves `req` from a monitor with a little of everything in it; returns status, content type and body. */
async function serve(req: { path: string; query: string; accept: string | undefined }): Promise<{ status: number; type: string; text: string; req: string }> {
  const { monitor, handler, clock } = setup();
  monitor.counter({ name: 'prop_requests_total', help: 'Requests', labelNames: ['route'] }).inc({ route: '/a\n"b"\\' });
  monitor.histogram({ name: 'prop_latency_seconds', help: 'Latency', unit: 'seconds' }).observe(0.2);
  monitor.recordMetric({ metricType: 'response_time', value: 12, unit: 'ms', tags: { endpoint: '/x' } });
  monitor.health.register('db', () => true);
  clock.advance(30_000);
  const response = await handler(
    new Request(`${BASE}${req.path}?${req.query}`, { headers: { authorization: `Bearer ${TOKEN}`, ...(req.accept === undefined ? {} : { accept: req.accept }) } }),
  );
  const out = { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text(), req: `${req.path}?${req.query} (accept ${req.accept})` };
  await monitor.close();
  expect(out.status, `${out.req}: ${out.text}`).toBeLessThan(500);
  return out;
}

describe('property: GET routes and query strings', () => {
  it('never answer 5xx, and an exposition they serve parses (promtool, strict OpenMetrics parser)', { timeout: 180_000 }, async () => {
    ensurePromtool();
    await assertBatched(
      getRequest,
      serve,
      (outs) => {
        const verdicts: (string | undefined)[] = outs.map(() => undefined);
        const text = outs.map((o, i) => [o, i] as const).filter(([o]) => o.status === 200 && o.type.startsWith('text/plain'));
        const om = outs.map((o, i) => [o, i] as const).filter(([o]) => o.status === 200 && o.type.startsWith('application/openmetrics-text'));
        promtoolVerdicts(text.map(([o]) => o.text)).forEach((v, k) => (verdicts[text[k]![1]] = v && `${text[k]![0].req}: ${v}`));
        openMetricsVerdicts(om.map(([o]) => o.text)).forEach((v, k) => (verdicts[om[k]![1]] = v && `${om[k]![0].req}: ${v}`));
        return verdicts;
      },
      fcParams(150),
    );
  });
});
