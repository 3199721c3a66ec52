import type { Labels } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import type { MetricContext } from './context.js';
import { capturedMetric, type CapturedHistogram, type CapturedSeries } from './snapshot-capture.js';
import type { SnapshotWork } from './snapshot-work.js';
import { buildWindow } from './window-query-build.js';
import { hashLabels, LabelTable, type StoredSeries } from './window-query-series.js';
import { MetricWindow, type WindowSeries } from './window-query-window.js';

/** What {@link buildCapturedWindow} merges: a histogram's capture, its stored series and its waiting rollups. */
export interface CapturedWindowInput {
  name: string;
  labels: Labels | undefined;
  from: number;
  now: number;
  captured: CapturedHistogram;
  stored: readonly StoredSeries[];
  /** This process's waiting rollups of the metric, as captured with the memory. */
  pending: readonly Rollup[];
  ctx: MetricContext;
}

/**
 * Series of this process built per `buildWindow` call, before the snapshot may yield. A share of
 * 250 series (with their 10 stored rollups each) took 30 ms of CPU on a process's first snapshot
 * (code not yet optimized) at a load average of 15 on 2 cores, 6-13 ms after a slot closed.
 */
const LOCAL_PER_BUILD = 100;
/** Stored series of other writers alone built per call, per series of this process (cheaper: taken as they are). */
const STORED_PER_LOCAL = 4;

/** {@link hashLabels} of this process's label sets, kept per labels object (a live series keeps its own). */
const hashes = new WeakMap<object, number>();

function hashOf(labels: Readonly<Record<string, string>>): number {
  let hash = hashes.get(labels);
  if (hash === undefined) hashes.set(labels, (hash = hashLabels(labels)));
  return hash;
}

/** One `buildWindow` call's share: some of this process's series and the rollups of those series. */
interface Share {
  local: CapturedSeries[];
  stored: StoredSeries[];
  pending: Rollup[];
  units: number;
}

/**
 * The window of a captured histogram over [from, now): what `buildWindow` gives for the metric
 * as captured (`WindowQuery.merge` at the capture), built in shares between which the snapshot
 * may yield. A window's series are independent of each other (each (series, slot start,
 * instance) is told apart within its series), so the series are split by label set: each of
 * this process's series with its stored and waiting rollups, then the series only waiting
 * rollups hold (with their stored ones), then the series only the store holds. The shares'
 * series, in that order, are the series of one build, in its order: this process's in index
 * order, then those first met in the waiting rollups, then those first met in the store.
 * (test/metrics/snapshot-build.test.ts compares it with `WindowQuery.merge`.) `perBuild`: this
 * process's series per `buildWindow` call (four times as many stored series of others alone).
 */
export async function buildCapturedWindow(input: CapturedWindowInput, work: SnapshotWork, perBuild = LOCAL_PER_BUILD): Promise<MetricWindow> {
  const { name, labels, from, now, captured, ctx } = input;
  const metric = captured.metric;
  const locals = new LabelTable<{ labels: Readonly<Record<string, string>>; share: Share }>();
  const shares: Share[] = [];
  for (let i = 0; i < captured.series.length; i++) {
    if (i % perBuild === 0) shares.push({ local: [], stored: [], pending: [], units: 0 });
    const share = shares[shares.length - 1]!;
    const s = captured.series[i]!;
    share.local.push(s);
    share.units += s.ring.length;
    locals.add({ labels: s.labels, share }, hashOf(s.labels));
    if (work.charge(2)) await work.pause();
  }
  // The series only waiting rollups hold (with their stored rollups), in one share.
  const waiting: Share = { local: [], stored: [], pending: [], units: 0 };
  const waitingOnly = new LabelTable<{ labels: Readonly<Record<string, string>> }>();
  for (const r of input.pending) {
    if (r.name !== name) continue;
    const hash = hashLabels(r.labels);
    const share = locals.find(r.labels, hash)?.share;
    if (share !== undefined) share.pending.push(r);
    else {
      waiting.pending.push(r);
      if (waitingOnly.find(r.labels, hash) === undefined) waitingOnly.add({ labels: r.labels }, hash);
    }
  }
  const storedOnly: Share[] = [];
  for (const st of input.stored) {
    const share = locals.find(st.labels, st.hash)?.share ?? (waitingOnly.find(st.labels, st.hash) !== undefined ? waiting : undefined);
    if (share !== undefined) {
      share.stored.push(st);
      share.units += st.parts.length;
    } else {
      let last = storedOnly[storedOnly.length - 1];
      if (last === undefined || last.stored.length === STORED_PER_LOCAL * perBuild) storedOnly.push((last = { local: [], stored: [], pending: [], units: 0 }));
      last.stored.push(st);
      last.units += 1;
    }
    if (work.charge(1)) await work.pause();
  }
  const series: WindowSeries[] = [];
  for (const share of [...shares, waiting, ...storedOnly]) {
    if (share.local.length === 0 && share.stored.length === 0 && share.pending.length === 0) continue;
    const window = buildWindow({ name, labels, from, to: now, now, metric: capturedMetric(captured, share.local), ctx, stored: share.stored, pending: share.pending });
    for (const s of window.series) series.push(s);
    // A unit per slot and part it looks at (a series' own rollups are matched to its ring).
    if (work.charge(share.units)) await work.pause();
  }
  const scale = { layout: metric.layout, resolution: metric.resolution, slotLength: ctx.slotLength };
  return new MetricWindow(name, 'histogram', metric.unit, from, now, now, series, ctx.fleet.stamps.instanceId, scale, ctx.fleet.decoded);
}
