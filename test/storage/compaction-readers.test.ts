/**
 * Readers over compacted data answer as over the original data: getAggregatedMetrics, the time
 * series and the performance report over ranges on the compacted spans' bounds (counts, sums and
 * rates exactly; percentiles exactly too, since spans merge HDR histograms bucket by bucket at one
 * resolution), and the rule engine's cache reading the change log across a compaction.
 */
import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SLOT = 10 * 60_000;
/** Midnight UTC, the end of the data: 4 days before it. */
const END = Date.UTC(2026, 2, 10);
const BEGIN = END - 4 * DAY;

function data(): Rollup[] {
  let seed = 11;
  const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const out: Rollup[] = [];
  for (let start = BEGIN; start < END; start += SLOT) {
    for (const instance of ['w1', 'w2']) {
      for (let s = 0; s < 3; s++) {
        const labels = { route: `/r${s}`, status: s === 2 ? '500' : '200' };
        const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3 });
        let sum = 0;
        let min = Infinity;
        let max = 0;
        const n = 1 + Math.floor(random() * 5);
        for (let v = 0; v < n; v++) {
          const us = 1_000 + Math.floor(random() * 900_000);
          h.recordValue(us);
          sum += us / 1e6;
          min = Math.min(min, us / 1e6);
          max = Math.max(max, us / 1e6);
        }
        const common = { labels, start, end: start + SLOT, service: 'api', instance };
        out.push({ ...common, name: 'http_request_duration_seconds', kind: 'histogram', count: n, sum, min, max, hdr: hdr.encodeIntoCompressedBase64(h), resolution: 1e-6 });
        out.push({ ...common, name: 'orders_total', kind: 'counter', count: n, sum: n, min: n, max: n, last: (start - BEGIN) / SLOT + n });
      }
    }
  }
  return out;
}

async function stores(): Promise<{ clock: ManualClock; original: MemoryStorage; compacted: MemoryStorage }> {
  const clock = new ManualClock(END);
  const original = new MemoryStorage({ now: () => clock.now(), retention: '30d', maxPointsPerSeries: 100_000 });
  const compacted = new MemoryStorage({ now: () => clock.now(), retention: '30d', maxPointsPerSeries: 100_000 });
  const all = data();
  await original.writeRollups(all);
  await compacted.writeRollups(all);
  // The default tiers at END: hours for what ended a day ago, days for what ended 3 days ago.
  for (const [span, before] of [[DAY, END - 3 * DAY], [HOUR, END - DAY]] as const) {
    let done = false;
    while (!done) done = (await compacted.compactRollups({ span, before })).done;
  }
  return { clock, original, compacted };
}

/**
 * `value` with every non-integer number rounded to 12 significant digits: sums added in another
 * order differ in the last bits of a double (0.1 + 0.2 + 0.3 is not 0.3 + 0.2 + 0.1), and only
 * there. Integers (counts, times) stay exact.
 */
function rounded(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? value : Number(value.toPrecision(12));
  if (Array.isArray(value)) return value.map(rounded);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rounded(v)]));
  return value;
}

function reader(clock: ManualClock, storage: MemoryStorage) {
  const monitor = createMonitor({ clock, storage, instanceId: 'reader', logger: false, service: 'api', histogram: { slotLength: '10m' } });
  monitor.on('error', () => {});
  return monitor;
}

describe('readers over compacted rollups', () => {
  it('read 5 times fewer rollups, and the same totals', async () => {
    const { original, compacted } = await stores();
    const a = await original.queryRollups({ name: 'orders_total' });
    const b = await compacted.queryRollups({ name: 'orders_total' });
    expect(a).toHaveLength(4 * 144 * 6);
    // The first day as one rollup a series, the next two as hours, the last as written (2 instances).
    expect(b).toHaveLength(3 * 1 + 3 * 48 + 3 * 144 * 2);
    expect(b.reduce((x, r) => x + r.sum, 0)).toBe(a.reduce((x, r) => x + r.sum, 0));
  });

  it('getAggregatedMetrics, getTimeSeries and the report answer the same over ranges on span bounds', async () => {
    const { clock, original, compacted } = await stores();
    const before = reader(clock, original);
    const after = reader(clock, compacted);
    const ranges = [
      { from: BEGIN, to: END },
      { from: BEGIN, to: BEGIN + DAY },
      { from: END - 2 * DAY + 5 * HOUR, to: END - 2 * DAY + 9 * HOUR },
      { from: END - DAY - 3 * HOUR, to: END - 2 * HOUR },
    ];
    for (const range of ranges) {
      for (const name of ['http_request_duration_seconds', 'orders_total']) {
        // `last` aside: a compacted span keeps its latest slot's `last`, not one per instance, so
        // the fleet `last` (each instance's latest, summed) differs where ranges reach into it
        // (docs/storage.md, Compaction).
        const x = { ...(await before.getAggregatedMetrics({ name, ...range })), last: 0 };
        const y = { ...(await after.getAggregatedMetrics({ name, ...range })), last: 0 };
        expect(rounded(y)).toEqual(rounded(x));
        expect(y.count).toBe(x.count);
        const labels = { route: '/r1' };
        expect(rounded({ ...(await after.getAggregatedMetrics({ name, labels, ...range })), last: 0 })).toEqual(rounded({ ...(await before.getAggregatedMetrics({ name, labels, ...range })), last: 0 }));
      }
    }
    for (const aggregation of ['p95', 'count', 'mean'] as const) {
      const q = { name: 'http_request_duration_seconds', from: BEGIN, to: END, step: DAY, aggregation };
      expect(rounded(await after.getTimeSeries(q))).toEqual(rounded(await before.getTimeSeries(q)));
    }
    const counter = { name: 'orders_total', from: END - 2 * DAY, to: END, step: HOUR, aggregation: 'rate' as const };
    expect(rounded(await after.getTimeSeries(counter))).toEqual(rounded(await before.getTimeSeries(counter)));
    const report = { from: BEGIN + 2 * DAY, to: END, metrics: ['http_request_duration_seconds', 'orders_total'] };
    const r1 = await before.generatePerformanceReport(report);
    const r2 = await after.generatePerformanceReport(report);
    expect(rounded({ ...r2, generatedAt: 0 })).toEqual(rounded({ ...r1, generatedAt: 0 }));
    await before.close();
    await after.close();
  });
});
