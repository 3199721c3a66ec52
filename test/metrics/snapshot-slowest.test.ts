/**
 * `performance.slowest` visits series by their max from a heap (snapshot-slowest.ts) instead of
 * sorting every series: with many equal maxima and p95s it must list what a stable sort by max
 * listed, in the same order.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { scanWindow } from '../../src/metrics/snapshot-slots.js';
import { slowest, summary, type MetricSummary } from '../../src/metrics/snapshot-slowest.js';
import { SnapshotWork } from '../../src/metrics/snapshot-work.js';
import { msPerUnit } from '../../src/metrics/snapshot-jobs.js';
import { WindowQuery, type MetricWindow, type WindowQuerySources } from '../../src/metrics/window-query.js';
import type { WindowScan } from '../../src/metrics/snapshot-tally.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

/** The search as it was: every series sorted by max (a stable sort), then the same stop rule. */
function sorted(histograms: readonly { h: MetricWindow; scan: WindowScan }[], from: number, now: number): MetricSummary[] {
  const candidates: { h: MetricWindow; i: number; maxMs: number }[] = [];
  for (const { h, scan } of histograms) for (let i = 0; i < h.series.length; i++) if (scan.seriesCount[i]! > 0) candidates.push({ h, i, maxMs: scan.seriesMax[i]! * msPerUnit(h) });
  candidates.sort((a, b) => b.maxMs - a.maxMs);
  const top: { summary: MetricSummary; p95Ms: number }[] = [];
  for (const c of candidates) {
    if (top.length === 5 && c.maxMs < top[4]!.p95Ms) break;
    const s = c.h.series[c.i]!;
    const line: MetricSummary = { ...summary(c.h.name, c.h.stats([s], from, now, true)), labels: { ...s.labels } };
    top.push({ summary: line, p95Ms: line.p95 * msPerUnit(c.h) });
    top.sort((a, b) => b.p95Ms - a.p95Ms);
    if (top.length > 5) top.pop();
  }
  return top.map((t) => t.summary);
}

describe('performance.slowest', () => {
  it.each([1, 2, 3, 4])('lists what a stable sort by max listed, ties included (round %i)', async (round) => {
    const clock = new ManualClock(T0);
    const monitor = createMonitor({ clock });
    const a = monitor.histogram({ name: 'a_seconds', labelNames: ['route'], unit: 'seconds' });
    const b = monitor.histogram({ name: 'b_ms', labelNames: ['route'] });
    // Few distinct values: many series share their max and their p95.
    for (let s = 0; s < 60; s++) {
      for (let j = 0; j < 5; j++) a.observe([0.1, 0.2, 0.4][(s * 7 + j * round) % 3]!, { route: `/${s}` });
      for (let j = 0; j < 4; j++) b.observe([100, 200, 400][(s * 5 + j + round) % 3]!, { route: `/${s}` });
    }
    const sources = (monitor as unknown as { parts: { reads: { parts: { sources: WindowQuerySources } } } }).parts.reads.parts.sources;
    const now = clock.now();
    const from = now - 300_000;
    const query = new WindowQuery(sources);
    const histograms = await Promise.all(['a_seconds', 'b_ms'].map(async (name) => {
      const h = await query.read({ name, from, to: now, now });
      return { h, scan: await scanWindow(h, from, now) };
    }));
    const listed = await slowest(histograms, from, now);
    expect(listed).toHaveLength(5);
    expect(listed).toEqual(sorted(histograms, from, now));
    await monitor.close();
  });

  it('lets the event loop turn between chunks when it computes most series (p95s close under the maxes)', async () => {
    const clock = new ManualClock(T0);
    const monitor = createMonitor({ clock });
    const h = monitor.histogram({ name: 'a_seconds', labelNames: ['route'], unit: 'seconds' });
    // Values spread evenly up to about 1 s in every series: each max is close to every p95.
    for (let s = 0; s < 200; s++) for (let j = 0; j < 20; j++) h.observe(((s * 7 + j * 13) % 100) / 100 + s / 100_000, { route: `/${s}` });
    const sources = (monitor as unknown as { parts: { reads: { parts: { sources: WindowQuerySources } } } }).parts.reads.parts.sources;
    const now = clock.now();
    const from = now - 300_000;
    const window = await new WindowQuery(sources).read({ name: 'a_seconds', from, to: now, now });
    const histograms = [{ h: window, scan: await scanWindow(window, from, now) }];
    const work = new SnapshotWork(clock, 40);
    const listed = await slowest(histograms, from, now, work);
    expect(work.pauses).toBeGreaterThan(20);
    expect(listed).toEqual(sorted(histograms, from, now));
    await monitor.close();
  });
});
