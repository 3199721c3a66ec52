/**
 * Case 4: rendering the Prometheus text format, i.e. what every scrape costs. OTel is not a
 * contender: its Prometheus exporter is a separate package with its own HTTP server.
 */
import { Histogram as PromHistogram } from 'prom-client';
import { ManualClock } from '../src/testing.js';
import { LABEL_NAMES, VALUES, VALUE_MASK, manyLabelSets, type RequestLabels } from './data.js';
import type { CaseSetup } from './throughput.js';
import { PROM, PULSEWATCH, promRegistry, pulsewatchMonitor } from './peers.js';

/** Observations per series before the slot boundary, and after it (left in the open slot). */
const CLOSED_OBS = 100;
const OPEN_OBS = 100;

/**
 * `metrics` histograms with `seriesPerMetric` label sets each, holding the same values in both
 * libraries. pulsewatch runs on a manual clock and crosses one slot boundary mid-way, so each
 * series has closed-slot bucket totals plus an open slot with raw values: the state a scrape
 * normally meets, and the more expensive one to render (the open slot is bucketed at scrape time).
 */
export function exposition(metrics: number, seriesPerMetric: number): CaseSetup {
  const labelSets = manyLabelSets(seriesPerMetric);
  const clock = new ManualClock();
  const monitor = pulsewatchMonitor({ clock });
  const registry = promRegistry();
  const recorders: ((v: number) => void)[] = [];
  for (let m = 0; m < metrics; m++) {
    const name = `app_op${m}_duration_seconds`;
    const h = monitor.histogram({ name, help: `Duration of operation ${m}`, labelNames: LABEL_NAMES, unit: 'seconds', maxSeries: seriesPerMetric });
    const ph = new PromHistogram({ name, help: `Duration of operation ${m}`, labelNames: LABEL_NAMES, registers: [registry] });
    for (const labels of labelSets) {
      const bound = h.labels(labels);
      const child = ph.labels(labels as RequestLabels);
      recorders.push((v) => {
        bound.observe(v);
        child.observe(v);
      });
    }
    if (h.seriesCount !== seriesPerMetric) throw new Error(`exposition setup: ${name} has ${h.seriesCount} series, expected ${seriesPerMetric}`);
  }
  let k = 0;
  for (const r of recorders) for (let i = 0; i < CLOSED_OBS; i++) r(VALUES[k++ & VALUE_MASK]!);
  clock.advance(30_000);
  for (const r of recorders) for (let i = 0; i < OPEN_OBS; i++) r(VALUES[k++ & VALUE_MASK]!);

  return {
    contenders: [
      {
        name: PULSEWATCH,
        run(ops) {
          let bytes = 0;
          for (let i = 0; i < ops; i++) bytes += monitor.exportPrometheusMetrics().length;
          return bytes;
        },
      },
      {
        name: PROM,
        async run(ops) {
          let bytes = 0;
          for (let i = 0; i < ops; i++) bytes += (await registry.metrics()).length;
          return bytes;
        },
      },
    ],
    close: () => monitor.close(),
  };
}

/** Sizes of both outputs, to show the libraries render comparable documents. */
export async function expositionSizes(setup: CaseSetup): Promise<string> {
  const sizes: string[] = [];
  for (const c of setup.contenders) sizes.push(`${c.name} ${Math.round((await c.run(1)) / 1024)} KiB`);
  return sizes.join(', ');
}
