/**
 * Cases 1-3: the recording hot path. Every contender records the same values with the same
 * label sets; each builds its instruments outside the timed loop, as an application would at
 * startup. Every loop returns a sum of what it recorded so the work stays observable.
 */
import { Counter as PromCounter, Histogram as PromHistogram } from 'prom-client';
import type { Attributes } from '@opentelemetry/api';
import { LABEL_NAMES, LABEL_SETS, VALUES, VALUE_MASK } from './data.js';
import type { Contender } from './harness.js';
import { OTEL, OTEL_SECONDS_ADVICE, PROM, PULSEWATCH, otelMeter, promRegistry, pulsewatchMonitor } from './peers.js';

/** Contenders of one case plus what releases their timers and providers. */
export interface CaseSetup {
  contenders: Contender[];
  close: () => Promise<void>;
}

const HISTOGRAM = 'http_request_duration_seconds';
const COUNTER = 'http_requests_total';
const SETS = LABEL_SETS.length;

/** Case 1: observe through a handle bound to one label set (no label lookup per call where the library allows it). */
export function boundObserve(): CaseSetup {
  const labels = LABEL_SETS[1]!;
  const monitor = pulsewatchMonitor();
  const bound = monitor.histogram({ name: HISTOGRAM, help: 'x', labelNames: LABEL_NAMES, unit: 'seconds' }).labels(labels);

  const registry = promRegistry();
  const child = new PromHistogram({ name: HISTOGRAM, help: 'x', labelNames: LABEL_NAMES, registers: [registry] }).labels(labels);

  // OTel has no bound instruments; the closest is record() with one prebuilt attributes object.
  const otel = otelMeter();
  const histogram = otel.meter.createHistogram(HISTOGRAM, { unit: 's', advice: OTEL_SECONDS_ADVICE });
  const attrs: Attributes = { ...labels };

  return {
    contenders: [
      {
        name: PULSEWATCH,
        run(ops) {
          let acc = 0;
          for (let i = 0; i < ops; i++) {
            const v = VALUES[i & VALUE_MASK]!;
            bound.observe(v);
            acc += v;
          }
          return acc;
        },
      },
      {
        name: PROM,
        run(ops) {
          let acc = 0;
          for (let i = 0; i < ops; i++) {
            const v = VALUES[i & VALUE_MASK]!;
            child.observe(v);
            acc += v;
          }
          return acc;
        },
      },
      {
        name: OTEL,
        run(ops) {
          let acc = 0;
          for (let i = 0; i < ops; i++) {
            const v = VALUES[i & VALUE_MASK]!;
            histogram.record(v, attrs);
            acc += v;
          }
          return acc;
        },
      },
    ],
    close: async () => {
      await monitor.close();
      await otel.shutdown();
    },
  };
}

/** Case 2: observe with a label object per call, rotating through ~10 prebuilt label sets. */
export function labeledObserve(): CaseSetup {
  const monitor = pulsewatchMonitor();
  const h = monitor.histogram({ name: HISTOGRAM, help: 'x', labelNames: LABEL_NAMES, unit: 'seconds' });

  const registry = promRegistry();
  const ph = new PromHistogram({ name: HISTOGRAM, help: 'x', labelNames: LABEL_NAMES, registers: [registry] });

  const otel = otelMeter();
  const oh = otel.meter.createHistogram(HISTOGRAM, { unit: 's', advice: OTEL_SECONDS_ADVICE });
  const attrs: readonly Attributes[] = LABEL_SETS.map((l) => ({ ...l }));

  return {
    contenders: [
      {
        name: PULSEWATCH,
        run(ops) {
          let acc = 0;
          for (let i = 0, j = 0; i < ops; i++, j = j === SETS - 1 ? 0 : j + 1) {
            const v = VALUES[i & VALUE_MASK]!;
            h.observe(v, LABEL_SETS[j]!);
            acc += v;
          }
          return acc;
        },
      },
      {
        name: PROM,
        run(ops) {
          let acc = 0;
          for (let i = 0, j = 0; i < ops; i++, j = j === SETS - 1 ? 0 : j + 1) {
            const v = VALUES[i & VALUE_MASK]!;
            ph.observe(LABEL_SETS[j]!, v);
            acc += v;
          }
          return acc;
        },
      },
      {
        name: OTEL,
        run(ops) {
          let acc = 0;
          for (let i = 0, j = 0; i < ops; i++, j = j === SETS - 1 ? 0 : j + 1) {
            const v = VALUES[i & VALUE_MASK]!;
            oh.record(v, attrs[j]!);
            acc += v;
          }
          return acc;
        },
      },
    ],
    close: async () => {
      await monitor.close();
      await otel.shutdown();
    },
  };
}

/** Case 3: counter increment with a label object per call, rotating like case 2. */
export function labeledCounter(): CaseSetup {
  const monitor = pulsewatchMonitor();
  const c = monitor.counter({ name: COUNTER, help: 'x', labelNames: LABEL_NAMES });

  const registry = promRegistry();
  const pc = new PromCounter({ name: COUNTER, help: 'x', labelNames: LABEL_NAMES, registers: [registry] });

  const otel = otelMeter();
  const oc = otel.meter.createCounter(COUNTER);
  const attrs: readonly Attributes[] = LABEL_SETS.map((l) => ({ ...l }));

  // The counters' totals are the checksum: reading them back proves every increment landed.
  return {
    contenders: [
      {
        name: PULSEWATCH,
        run(ops) {
          for (let i = 0, j = 0; i < ops; i++, j = j === SETS - 1 ? 0 : j + 1) c.inc(LABEL_SETS[j]!);
          return c.get(LABEL_SETS[0]!);
        },
      },
      {
        name: PROM,
        run(ops) {
          for (let i = 0, j = 0; i < ops; i++, j = j === SETS - 1 ? 0 : j + 1) pc.inc(LABEL_SETS[j]!);
          return ops;
        },
      },
      {
        name: OTEL,
        run(ops) {
          for (let i = 0, j = 0; i < ops; i++, j = j === SETS - 1 ? 0 : j + 1) oc.add(1, attrs[j]!);
          return ops;
        },
      },
    ],
    close: async () => {
      await monitor.close();
      await otel.shutdown();
    },
  };
}
