import type { Labels } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import type { MetricContext } from './context.js';
import { capturedMetric, type CapturedHistogram, type CapturedSeries } from './snapshot-capture.js';
import type { SnapshotWork } from './snapshot-work.js';
import { buildWindow } from './window-query-build.js';
import { seriesIdOf } from './window-query-ids.js';
import { isKept } from './window-query-columns.js';
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
 * Series of this process built per `buildWindow` call at most, before the snapshot may yield. A
 * share of 250 series (with their 10 stored rollups each) took 30 ms of CPU on a process's first
 * snapshot (code not yet optimized) at a load average of 15 on 2 cores, 6-13 ms after a slot
 * closed; one of 100 took up to 42 ms on a first snapshot at a load average of 8.
 */
const LOCAL_PER_BUILD = 100;
/** Stored series of other writers alone built per call, per series of this process (cheaper: taken as they are). */
const STORED_PER_LOCAL = 4;
/**
 * With chunks bounded in real time (`SnapshotWork.timed`): series of this process per share, the
 * smallest `buildWindow` call. Consecutive shares are built in one call as far as the time a unit
 * took so far lets one call stay within {@link CALL_SHARE} of a chunk: a first snapshot (code not
 * yet optimized) builds a few series per call, a warm one up to {@link LOCAL_PER_BUILD}.
 */
const GRANULE = 10;
/** The part of a chunk's real time one `buildWindow` call is sized to take. */
const CALL_SHARE = 0.4;

/** {@link hashLabels} of this process's label sets, kept per labels object with their key (the window build reads both). */
function hashOf(labels: Readonly<Record<string, string>>): number {
  return seriesIdOf(labels).hash;
}

/** Consecutive shares as one (their series in order: see {@link buildCapturedWindow}). */
function joined(list: readonly Share[]): Share {
  const out: Share = { local: [], stored: [], pending: [], units: 0 };
  for (const share of list) {
    for (const x of share.local) out.local.push(x);
    for (const x of share.stored) out.stored.push(x);
    for (const x of share.pending) out.pending.push(x);
    out.units += share.units;
  }
  return out;
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
 * (test/metrics/snapshot-build.test.ts compares it with `WindowQuery.merge`.) Any run of
 * consecutive shares is built in one call the same way, so with chunks bounded in real time the
 * shares are small and a call takes as many as fit its time (see {@link GRANULE}). `perBuild`:
 * this process's series per `buildWindow` call at most (four times as many stored series of
 * others alone).
 */
export async function buildCapturedWindow(input: CapturedWindowInput, work: SnapshotWork, perBuild = LOCAL_PER_BUILD): Promise<MetricWindow> {
  const { name, labels, from, now, captured, ctx } = input;
  const metric = captured.metric;
  const locals = new LabelTable<{ labels: Readonly<Record<string, string>>; share: Share }>();
  const shares: Share[] = [];
  const granule = work.timed ? Math.min(GRANULE, perBuild) : perBuild;
  for (let i = 0; i < captured.series.length; i++) {
    if (i % granule === 0) shares.push({ local: [], stored: [], pending: [], units: 0 });
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
  // Indexed loops: an array iterator kept across an await allocates a result per step.
  const pendingRollups = input.pending;
  for (let i = 0; i < pendingRollups.length; i++) {
    const r = pendingRollups[i]!;
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
  const stored = input.stored;
  for (let i = 0; i < stored.length; i++) {
    const st = stored[i]!;
    const share = locals.find(st.labels, st.hash)?.share ?? (waitingOnly.find(st.labels, st.hash) !== undefined ? waiting : undefined);
    if (share !== undefined) {
      share.stored.push(st);
      share.units += isKept(st) ? st.n : st.parts.length;
    } else {
      let last = storedOnly[storedOnly.length - 1];
      if (last === undefined || last.stored.length === STORED_PER_LOCAL * granule) storedOnly.push((last = { local: [], stored: [], pending: [], units: 0 }));
      last.stored.push(st);
      last.units += 1;
    }
    if (work.charge(1)) await work.pause();
  }
  const series: WindowSeries[] = [];
  const all = [...shares, waiting, ...storedOnly].filter((share) => share.local.length > 0 || share.stored.length > 0 || share.pending.length > 0);
  const most = perBuild / granule;
  /** Real time a unit took in the calls so far (the slowest call's, easing down): undefined before the first. */
  let msPerUnit: number | undefined;
  for (let i = 0; i < all.length; ) {
    // The shares of this call: one, or as many as fit its part of a chunk at the pace measured.
    let units = all[i]!.units;
    let end = i + 1;
    if (work.timed && msPerUnit !== undefined) {
      const fit = (CALL_SHARE * work.chunkMs) / Math.max(msPerUnit, 1e-6);
      while (end < all.length && end - i < most && units + all[end]!.units <= fit) units += all[end++]!.units;
      // A call that would run past the chunk's time starts the next chunk instead.
      if (work.overdue(units * msPerUnit)) await work.pause();
    }
    const group = end === i + 1 ? all[i]! : joined(all.slice(i, end));
    const began = work.elapsed();
    const window = buildWindow({ name, labels, from, to: now, now, metric: capturedMetric(captured, group.local), ctx, stored: group.stored, pending: group.pending });
    const took = (work.elapsed() - began) / Math.max(units, 1);
    msPerUnit = msPerUnit === undefined || took > msPerUnit ? took : (msPerUnit + took) / 2;
    for (let k = 0; k < window.series.length; k++) series.push(window.series[k]!);
    // A unit per slot and part it looks at (a series' own rollups are matched to its ring).
    if (work.charge(units)) await work.pause();
    i = end;
  }
  const scale = { layout: metric.layout, resolution: metric.resolution, slotLength: ctx.slotLength };
  return new MetricWindow(name, 'histogram', metric.unit, from, now, now, series, ctx.fleet.stamps.instanceId, scale, ctx.fleet.decoded);
}
