/**
 * What the cluster tests compare against: one process whose one histogram (and counter, and
 * gauge) was fed every value of every worker, and the helpers that read a scrape.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMonitor, type Monitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { parseSamples } from '../metrics/exposition/parse-exposition.js';
import { defineMetrics, type WorkerPlan } from './plan.js';

/** One monitor fed every plan's values into one series per metric, at the workers' time. */
export function referenceMonitor(plans: readonly WorkerPlan[], now: number): Monitor {
  const monitor = createMonitor({ clock: new ManualClock(now), service: 'reference' });
  const m = defineMetrics(monitor);
  for (const plan of plans) {
    for (const v of plan.values) m.latency.observe(v, { queue: 'q' });
    m.jobs.inc({ queue: 'q' }, plan.values.length);
    m.jobs.inc({ queue: `w${plan.index}` }, plan.index + 1);
  }
  m.depth.set(plans.reduce((n, p) => n + p.index + 1, 0));
  return monitor;
}

/** The sample lines of `names` (bucket, sum and count lines of histograms), as `name{labels} value` strings. */
export function linesOf(text: string, names: readonly string[]): string[] {
  return parseSamples(text)
    .filter((s) => names.some((n) => s.name === n || s.name === `${n}_bucket` || s.name === `${n}_sum` || s.name === `${n}_count`))
    .map((s) => `${s.name}${JSON.stringify(s.labels)} ${s.rawValue}`)
    .sort();
}

/** Per-bound cumulative counts of `values` at the default seconds buckets, computed by hand. */
export function truthBuckets(values: readonly number[], bounds: readonly number[]): number[] {
  return [...bounds, Infinity].map((b) => values.filter((v) => v <= b).length);
}

/** A node:http server on a free port serving `handler`; `get` fetches a path, `close` stops it. */
export async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ get(path: string, accept?: string): Promise<{ status: number; type: string; body: string }>; close(): Promise<void> }> {
  const server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    async get(path, accept) {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, accept === undefined ? {} : { headers: { accept } });
      return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
