/**
 * Properties of the recording API (counter, gauge, histogram: inc/set/dec/observe/labels/
 * startTimer) for any argument a JavaScript caller can pass:
 * - outside strict mode no call throws into the caller, whatever the value or label object;
 *   what is refused is reported as a PulsewatchError;
 * - after any sequence of calls (clock moving, slots closing, series folding into overflow)
 *   both expositions parse: text 0.0.4 with `promtool check metrics`, OpenMetrics 1.0 with the
 *   strict Python parser, no series twice.
 * Seeds: see test/helpers/fast-check.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertBatched, fcParams } from '../helpers/fast-check.js';
import { ensurePromtool } from '../helpers/promtool.js';
import { openMetricsPython } from '../helpers/openmetrics.js';
import { edgeNumber, hostileValue, labelInput, plainHostileValue, real } from './arbitraries.js';
import { openMetricsVerdicts, promtoolVerdicts } from './exposition-check.js';
import { expectPulsewatchErrors, expositions, noThrow, propertyMonitor } from './support.js';

const COUNTER_LABELS = ['route', 'tenant'] as const;
const GAUGE_LABELS = ['queue'] as const;
const HISTOGRAM_LABELS = ['route'] as const;

/** One call of the recording API, as data (fast-check prints and shrinks it); `value`: what values and label values may be. */
function opOf(value: fc.Arbitrary<unknown>) {
  const amount = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 1000 }), weight: 3 }, { arbitrary: edgeNumber, weight: 2 }, { arbitrary: value, weight: 1 });
  const labelInputOf = (names: readonly string[]) => labelInput(names, value);
  return fc.oneof(
  fc.record({ m: fc.constant('counter.inc' as const), labels: labelInputOf(COUNTER_LABELS), value: amount }),
  fc.record({ m: fc.constant('counter.inc(amount)' as const), value: amount }),
  fc.record({ m: fc.constant('counter.inc()' as const), labels: labelInputOf(COUNTER_LABELS) }),
  fc.record({ m: fc.constant('counter.labels().inc' as const), labels: labelInputOf(COUNTER_LABELS), value: amount }),
  fc.record({ m: fc.constant('unlabeled.inc' as const), value: amount }),
  fc.record({ m: fc.constant('gauge.set' as const), labels: labelInputOf(GAUGE_LABELS), value: amount }),
  fc.record({ m: fc.constant('gauge.inc' as const), labels: labelInputOf(GAUGE_LABELS), value: amount }),
  fc.record({ m: fc.constant('gauge.dec' as const), labels: labelInputOf(GAUGE_LABELS), value: amount }),
  fc.record({ m: fc.constant('gauge.labels().set' as const), labels: labelInputOf(GAUGE_LABELS), value: amount }),
  fc.record({ m: fc.constant('histogram.observe' as const), labels: labelInputOf(HISTOGRAM_LABELS), value: amount }),
  fc.record({ m: fc.constant('histogram.labels().observe' as const), labels: labelInputOf(HISTOGRAM_LABELS), value: amount }),
  fc.record({ m: fc.constant('histogram.startTimer' as const), labels: labelInputOf(HISTOGRAM_LABELS), stopLabels: labelInputOf(HISTOGRAM_LABELS), ms: fc.integer({ min: 0, max: 90_000 }) }),
  fc.record({ m: fc.constant('advance' as const), ms: fc.oneof(fc.constantFrom(30_000, 3_600_000 + 60_000), fc.integer({ min: 1, max: 120_000 })) }),
  );
}

const op = opOf(hostileValue);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Runs `ops` on a fresh monitor; returns both expositions. Fails if any call throws. */
async function play(ops: readonly Op[]): Promise<{ text: string; openmetrics: string }> {
  const { monitor, clock, errors } = propertyMonitor();
  const counter = monitor.counter({ name: 'prop_requests_total', help: 'Requests', labelNames: COUNTER_LABELS });
  const unlabeled = monitor.counter({ name: 'prop_events_total', help: 'Events' });
  const gauge = monitor.gauge({ name: 'prop_queue_depth', help: 'Depth', labelNames: GAUGE_LABELS });
  const histogram = monitor.histogram({ name: 'prop_latency_seconds', help: 'Latency', labelNames: HISTOGRAM_LABELS, unit: 'seconds' });
  // Loosely typed handles: the point is what happens with arguments the types would refuse.
  const c = counter as unknown as Record<string, (...a: unknown[]) => { inc(...a: unknown[]): void }>;
  const g = gauge as unknown as Record<string, (...a: unknown[]) => { set(...a: unknown[]): void }>;
  const h = histogram as unknown as Record<string, (...a: unknown[]) => { observe(...a: unknown[]): void }>;
  const u = unlabeled as unknown as Record<string, (...a: unknown[]) => void>;
  for (const o of ops) {
    const labels = 'labels' in o ? real(o.labels) : undefined;
    const value = 'value' in o ? real(o.value) : undefined;
    const call = fc.stringify(o);
    noThrow(call, () => {
      switch (o.m) {
        case 'counter.inc':
          return c.inc!(labels, value);
        case 'counter.inc(amount)':
          return c.inc!(value);
        case 'counter.inc()':
          return c.inc!(labels);
        case 'counter.labels().inc':
          return c.labels!(labels).inc(value);
        case 'unlabeled.inc':
          return u.inc!(value);
        case 'gauge.set':
          return g.set!(value, labels);
        case 'gauge.inc':
          return g.inc!(labels, value);
        case 'gauge.dec':
          return g.dec!(labels, value);
        case 'gauge.labels().set':
          return g.labels!(labels).set(value);
        case 'histogram.observe':
          return h.observe!(value, labels);
        case 'histogram.labels().observe':
          return h.labels!(labels).observe(value);
        case 'histogram.startTimer': {
          const stop = h.startTimer!(labels) as unknown as (l?: unknown) => number;
          clock.advance(o.ms);
          return stop(real(o.stopLabels));
        }
        case 'advance':
          return clock.advance(o.ms);
      }
    });
  }
  const out = expositions(monitor);
  await monitor.close();
  expectPulsewatchErrors(errors);
  return out;
}

/** Any sequence of calls, objects that throw when read included. */
const ops = fc.array(op, { minLength: 1, maxLength: 25 });
/** Any sequence of calls with values that do not throw when read: the exposition properties' input. */
const plainOps = fc.array(opOf(plainHostileValue), { minLength: 1, maxLength: 25 });

describe('property: the recording API', () => {
  it('never throws into the caller outside strict mode, for any value and label object', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(plainOps, async (list) => {
        await play(list);
      }),
      fcParams(300),
    );
  });

  it('never throws into the caller outside strict mode, even for objects that throw when read (revoked proxies, throwing getters)', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(ops, async (list) => {
        await play(list);
      }),
      fcParams(200),
    );
  });

  it('leaves a text 0.0.4 exposition promtool parses, after any sequence of calls', { timeout: 180_000 }, async () => {
    ensurePromtool();
    await assertBatched(plainOps, async (list) => (await play(list)).text, promtoolVerdicts, fcParams(150));
  });

  it('leaves an OpenMetrics exposition the strict parser accepts, no series twice, after any sequence of calls', { timeout: 180_000 }, async () => {
    expect(openMetricsPython()).toMatch(/python/);
    await assertBatched(plainOps, async (list) => (await play(list)).openmetrics, (docs) => openMetricsVerdicts(docs), fcParams(150));
  });
});
