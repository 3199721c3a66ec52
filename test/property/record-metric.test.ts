/**
 * Properties of `recordMetric` (seed-style records: metricType, value, unit, tags, timestamp,
 * extra fields as labels) and of label sets:
 * - no record, however malformed, throws into the caller outside strict mode;
 * - every call is accounted for exactly once: recorded (`metricRecorded`) or counted in
 *   `pulsewatch_dropped_total`;
 * - after any sequence of records the expositions parse (promtool, strict OpenMetrics parser);
 * - label sets never merge: N distinct label sets (distinct as Prometheus sees them: well-formed
 *   UTF-16, an empty value being no label) recorded once each are N series each counting 1, for
 *   `recordMetric` tags and for a counter's declared labels alike (a recording refused, reported
 *   and counted, is not expected to show).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Counter } from '../../src/index.js';
import { assertBatched, fcParams } from '../helpers/fast-check.js';
import { ensurePromtool } from '../helpers/promtool.js';
import { openMetricsPython } from '../helpers/openmetrics.js';
import { hostileString, metricRecord, real } from './arbitraries.js';
import { openMetricsVerdicts, promtoolVerdicts, samplesOf } from './exposition-check.js';
import { droppedTotal, expectPulsewatchErrors, expositions, noThrow, propertyMonitor, T0, wellFormed } from './support.js';

const records = fc.array(fc.oneof({ arbitrary: metricRecord(T0), weight: 9 }, { arbitrary: fc.constant('advance'), weight: 1 }), { minLength: 1, maxLength: 30 });

/** Records each input (an 'advance' moves the clock one slot); returns the expositions and the accounting. */
async function play(list: readonly unknown[]): Promise<{ text: string; openmetrics: string; calls: number; recorded: number; dropped: number }> {
  const { monitor, clock, errors, recorded } = propertyMonitor();
  let calls = 0;
  for (const input of list) {
    if (input === 'advance') {
      clock.advance(30_000);
      continue;
    }
    calls++;
    const record = real(input);
    noThrow(`recordMetric(${fc.stringify(input)})`, () => monitor.recordMetric(record as never));
  }
  const out = { ...expositions(monitor), calls, recorded: recorded(), dropped: droppedTotal(monitor) };
  await monitor.close();
  expectPulsewatchErrors(errors);
  return out;
}

/** A label set as Prometheus keys it: empty values are no label, values as UTF-8 carries them. */
function promKey(labels: Record<string, string>): string {
  return JSON.stringify(
    Object.entries(labels)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => [k, wellFormed(v)])
      .sort(([a], [b]) => (a! < b! ? -1 : 1)),
  );
}

const tagSets = fc.uniqueArray(fc.dictionary(fc.constantFrom('route', 'tenant', 'a', 'b'), hostileString, { maxKeys: 3 }), {
  minLength: 1,
  maxLength: 6,
  selector: (tags) => promKey(tags),
});

describe('property: recordMetric', () => {
  it('never throws into the caller outside strict mode, for any record', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(records, async (list) => {
        await play(list);
      }),
      fcParams(300),
    );
  });

  it('accounts for every call exactly once: recorded or counted dropped', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(records, async (list) => {
        const { calls, recorded, dropped } = await play(list);
        expect({ recordedPlusDropped: recorded + dropped }).toEqual({ recordedPlusDropped: calls });
      }),
      fcParams(300),
    );
  });

  it('leaves a text 0.0.4 exposition promtool parses', { timeout: 180_000 }, async () => {
    ensurePromtool();
    await assertBatched(records, async (list) => (await play(list)).text, promtoolVerdicts, fcParams(150));
  });

  it('leaves an OpenMetrics exposition the strict parser accepts, no series twice', { timeout: 180_000 }, async () => {
    expect(openMetricsPython()).toMatch(/python/);
    await assertBatched(records, async (list) => (await play(list)).openmetrics, (docs) => openMetricsVerdicts(docs), fcParams(150));
  });
});

describe('property: label sets never merge', () => {
  it('distinct recordMetric tag sets stay distinct series, each counting its own value', { timeout: 180_000 }, async () => {
    await assertBatched(
      tagSets,
      async (sets) => {
        const { monitor, recorded } = propertyMonitor({ limits: { maxSeriesPerMetric: 100 } });
        // A label set refused (reported and counted, e.g. a reserved value) is not expected to show.
        const kept: Record<string, string>[] = [];
        for (const tags of sets) {
          const before = recorded();
          noThrow(`recordMetric tags ${fc.stringify(tags)}`, () => monitor.recordMetric({ metricType: 'prop_values', value: 1, tags }));
          if (recorded() > before) kept.push(tags);
        }
        const doc = monitor.exportPrometheusMetrics({ format: 'openmetrics', names: ['prop_values'] });
        await monitor.close();
        return { doc, expected: kept.map(promKey).sort() };
      },
      (outs) => oneSeriesEach(outs, 'prop_values_count', 'recorded'),
      fcParams(150),
    );
  });

  it("distinct values of a counter's declared labels stay distinct series, each counting its own increment", { timeout: 180_000 }, async () => {
    const declared = fc.uniqueArray(fc.record({ route: hostileString, tenant: hostileString }), { minLength: 1, maxLength: 6, selector: (l) => promKey(l) });
    await assertBatched(
      declared,
      async (sets) => {
        const { monitor, errors } = propertyMonitor({ limits: { maxSeriesPerMetric: 100 } });
        const counter = monitor.counter({ name: 'prop_hits_total', help: 'Hits', labelNames: ['route', 'tenant'] }) as Counter<'route' | 'tenant'>;
        // An increment refused (reported on `error` and counted, e.g. a reserved value) is not expected to show.
        const kept: Record<string, string>[] = [];
        for (const labels of sets) {
          const before = errors.length;
          noThrow(`inc(${fc.stringify(labels)})`, () => counter.inc(labels));
          if (errors.length === before) kept.push(labels);
        }
        const doc = monitor.exportPrometheusMetrics({ format: 'openmetrics', names: ['prop_hits_total'] });
        await monitor.close();
        return { doc, expected: kept.map(promKey).sort() };
      },
      (outs) => oneSeriesEach(outs, 'prop_hits_total', 'incremented'),
      fcParams(150),
    );
  });
});

/** Verdicts: each document exposes exactly the expected label sets as `sample`, each with value 1. */
function oneSeriesEach(outs: readonly { doc: string; expected: string[] }[], sample: string, what: string) {
  return openMetricsVerdicts(
    outs.map((o) => o.doc),
    (parsed, i) => {
      const series = samplesOf(parsed).filter((s) => s.name === sample);
      const got = series.map((s) => promKey(s.labels)).sort();
      const expected = outs[i]!.expected;
      if (JSON.stringify(got) !== JSON.stringify(expected) || series.some((s) => s.value !== '1.0')) {
        return `${what} label sets ${JSON.stringify(expected)}; exposed ${sample} series ${JSON.stringify(series.map((s) => [s.labels, s.value]))}`;
      }
      return undefined;
    },
  );
}
