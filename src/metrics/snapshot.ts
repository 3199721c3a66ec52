import type { StorageError } from '../core/errors.js';
import { seriesKey, type Labels } from '../core/labels.js';
import type { AlertRecord } from '../storage/records.js';
import { JOB_METRICS } from './built-in-names.js';
import { MAX_QUEUED_SNAPSHOTS } from './snapshot-queue.js';
import { readSnapshot, slotClosed, waitingAt, type SnapshotReads } from './snapshot-reads.js';
import { jobLines, queueStates, type JobSnapshot, type QueueSnapshot } from './snapshot-jobs.js';
import { SnapshotCache } from './snapshot-reader.js';
import { capture } from './snapshot-memory.js';
import { slowest, summary, type MetricSummary } from './snapshot-slowest.js';
import { systemOf, trend, type Shown, type SystemSnapshot, type TrendSnapshot } from './snapshot-system.js';
import type { TalliedWindow } from './snapshot-windows.js';
import { SnapshotWork } from './snapshot-work.js';
import { WindowQuery, type WindowQuerySources } from './window-query.js';

export { MAX_QUEUED_SNAPSHOTS };
import type { MetricWindow, RangeStats } from './window-query-window.js';

export type { JobSnapshot, MetricSummary, QueueSnapshot, SystemSnapshot, TrendSnapshot };

// The job metric names live in built-in-names.ts; the package's index re-exports them from here.
export { JOB_METRICS };

/** JSON in the shape of seed 000's GET /api/metrics, over every instance's data in the window. */
export interface MetricsSnapshot {
  timestamp: string;
  service: string;
  /** Runs in the window, fleet-wide, per job. */
  jobs: JobSnapshot[];
  /** The job queue gauge: each instance's latest value per series, summed. */
  queue: QueueSnapshot;
  system: SystemSnapshot;
  performance: { snapshot: MetricSummary[]; trends: TrendSnapshot[]; slowest: MetricSummary[] };
  /**
   * Firing alerts, most severe first (filled by the monitor from its rule engine): `active` counts
   * them all, `items` lists at most `limits.maxSnapshotSeries` of them.
   */
  alerts: { active: number; items: AlertRecord[] };
  /**
   * Entries left out of `jobs` and `alerts.items` past `limits.maxSnapshotSeries`, so that the
   * snapshot (and the JSON `/metrics`) stays bounded however many series or alerts there are.
   */
  truncated: { jobs: number; alerts: number };
}

/** Inputs of {@link buildSnapshot}. */
export interface SnapshotSources extends WindowQuerySources {
  service: string;
  /** Milliseconds since the monitor was created, on the monotonic clock (a wall clock set back must not make it negative). */
  uptime(): number;
  requestMetric: string;
  window: number;
  jobId?: string | undefined;
  names?: readonly string[] | undefined;
  /** Only series whose labels include all of these, in every metric part (the tenant filter; absent: every series; null: none). */
  labels?: Readonly<Labels> | null | undefined;
  /** Entries listed at most in `jobs` (`limits.maxSnapshotSeries`); the rest are counted in `truncated`. */
  maxSeries: number;
  /** The store could not be read: the snapshot shows memory and waiting rollups. Called once a snapshot. */
  storageFailed(error: StorageError): void;
  /** What snapshots keep between calls (the monitor's); absent: a snapshot reads everything afresh. */
  cache?: SnapshotCache | undefined;
}

/**
 * Builds the snapshot through the window query: every instance's data in the window (this
 * process's memory, its waiting rollups, the store), one store read per metric it shows (only
 * the writes since the last snapshot, with a `cache` on a store that keeps a change log). The
 * histograms shown are this process's and those named in `names`; the job, queue and request
 * metrics are read by name, defined here or not. With `labels`, every metric part counts only
 * the series that carry them.
 *
 * Each histogram's totals (per series, per slot start) come from its window's tally, kept with
 * the window between snapshots while nothing it was built from changed (snapshot-windows.ts);
 * its distribution is merged from the kept counts of its closed slots plus its open one (see
 * snapshot-slots.ts).
 *
 * It never holds the event loop for long, nor holds more than one copy of this process's memory
 * however many calls wait: the store is read first (snapshot-reads.ts), then the snapshot waits
 * for its turn (snapshots of one cache take turns: snapshot-queue.ts), and at the start of its
 * turn this process's memory is captured at one instant, the snapshot's (snapshot-capture.ts:
 * the histograms' rings with their open slots copied, the counters' and gauges' windows, the
 * waiting rollups); the rest (building the windows that changed, summing them, merging the
 * slots that closed) works on the capture in chunks, letting the event loop turn between them
 * through the clock (`Clock.yield`, see snapshot-work.ts). Values recorded, slots closed and
 * series created or evicted meanwhile do not reach the snapshot: it is the one of its instant.
 * The store is as read before the turn; a slot that closed since the reads began has them made
 * again (its values may have been written in between), and rollups written since are counted
 * from the recorder's copies. A call shares a snapshot with its filters that waits for its turn
 * or started it after the call came; past {@link MAX_QUEUED_SNAPSHOTS} snapshots waiting, a call
 * with other filters is refused with a `LimitError`.
 */
export async function buildSnapshot(src: SnapshotSources): Promise<MetricsSnapshot> {
  const query = new WindowQuery(src);
  // Read with the query's instant: a snapshot is the one of its instant, however long its turn.
  const uptime = src.uptime();
  const cache = src.cache ?? new SnapshotCache(src.ctx.slotLength);
  if (src.labels === null) return emptySnapshot(src, query.now, uptime);
  const key = JSON.stringify([src.jobId ?? null, src.names ?? null, src.labels === undefined ? null : seriesKey({ ...src.labels })]);
  const queue = cache.queue;
  const mark = queue.mark;
  const early = queue.join<MetricsSnapshot>(key, mark);
  if (early !== undefined) return early;
  queue.admit();
  let failed = false;
  const onStorageError = (error: StorageError) => {
    if (failed) return;
    failed = true;
    src.storageFailed(error);
  };
  let reads = await readSnapshot(src, query, cache, onStorageError);
  // Another call with these filters may have queued meanwhile (or started after this one came).
  const joined = queue.join<MetricsSnapshot>(key, mark);
  if (joined !== undefined) return joined;
  queue.admit();
  let redone = 0;
  return queue.run<MetricsSnapshot>(
    key,
    async () => {
      // A slot that closed since the reads began may have had its values written after the store was read.
      if (slotClosed(reads, src) && redone < MAX_REDO) return 'redo';
      return { snapshot: await makeSnapshot(src, query, cache, reads, uptime) };
    },
    async () => {
      redone++;
      reads = await readSnapshot(src, query, cache, onStorageError);
    },
    () => cache.windows.release(),
  );
}

/**
 * Times a snapshot's reads are made again for a slot that closed before its turn. Each needs
 * another slot close while it waits, so it is reached only with turns far longer than a slot;
 * past it the snapshot is made on the reads it has (a counter's values written in that gap may
 * be missing from it).
 */
const MAX_REDO = 3;

/** The turn of a snapshot: the capture at its instant, then the chunked work on it. */
async function makeSnapshot(src: SnapshotSources, query: WindowQuery, cache: SnapshotCache, reads: SnapshotReads, uptime: number): Promise<MetricsSnapshot> {
  const now = query.now;
  const from = now - src.window;
  const labels = src.labels ?? undefined;
  const { names, jobNames, fallback, stored } = reads;
  const filter = src.names === undefined ? undefined : names;
  // This process's memory, at one instant, the start of the turn: the histograms captured (about
  // a millisecond for 5,000 series), the other metrics' windows built, the waiting rollups (with
  // those written since the reads began, which the store as read may lack).
  const captured = capture(src, labels, from, now, [...stored.keys()], stored, waitingAt(reads, src), cache.captures);
  const work = new SnapshotWork(src.ctx.clock, cache.budget, cache.chunkMs, cache.elapsed);
  // The event loop turns between the capture and the windows' build.
  await work.pause();
  const windows = new Map<string, TalliedWindow>();
  const labelKey = labels === undefined ? '' : seriesKey({ ...labels });
  const windowOf = async (name: string): Promise<TalliedWindow> => {
    let w = windows.get(name) ?? captured.windows.get(name);
    if (w !== undefined) return w;
    const request = { name, labels, from, now };
    const pending = captured.pending.filter((r) => r.name === name);
    // Every name was read before the turn: nothing here waits on the store.
    w = await cache.window({ request, key: `${name}\u0000${labelKey}`, stored: stored.get(name) ?? [], captured: captured.histograms.get(name), pending, ctx: src.ctx }, work);
    windows.set(name, w);
    return w;
  };
  const all: TalliedWindow[] = [];
  for (const name of names) all.push(await windowOf(name));
  const [executions, durations, outcomes, runTimes, queueWindow] = await sequence(jobNames.map((name) => () => windowOf(name)));
  let requests = await windowOf(src.requestMetric);
  if (fallback && requests.window.kind === undefined) requests = await windowOf('response_time');
  // A full snapshot names every metric worth keeping; a filtered one leaves the cache as it is.
  if (filter === undefined && labels === undefined) cache.retain(new Set(stored.keys()));
  cache.settle(now);
  const shown = new Map<MetricWindow, Promise<Shown>>();
  const shownOf = (t: TalliedWindow): Promise<Shown> => {
    let s = shown.get(t.window);
    if (s === undefined) shown.set(t.window, (s = t.tally!.scan(from, now, work).then((scan) => ({ h: t.window, tally: t.tally!, scan, whole: undefined }))));
    return s;
  };
  // Every series of a histogram over the window: shared by `performance.snapshot` and `system`.
  const wholeOf = async (s: Shown): Promise<RangeStats> => {
    if (s.whole === undefined) {
      const h = s.h;
      const metric = src.registry.get(h.name);
      // The kept slot counts are in this process's scale: a histogram it never defined is merged as it is read.
      s.whole =
        metric?.kind === 'histogram'
          ? await cache.slots.wholeStats(h, `${h.name}\u0000${labelKey}`, s.scan, { layout: metric.layout, resolution: metric.resolution, slotLength: src.ctx.slotLength, decoded: src.ctx.fleet.decoded }, from, now, (start) => s.tally.openSlotsAt(start), work)
          : h.stats(h.series, from, now, true);
    }
    return s.whole;
  };
  // The event loop turns between the phases too: on a first call (code not yet optimized) the
  // end of the windows' build, their scans and the first merge chunk held it 67 ms of CPU in one
  // stretch at a load average of 10 on 2 cores (bench/snapshot-probe.ts).
  await work.pause();
  const histograms = await sequence(all.filter((w) => w.window.kind === 'histogram').map((w) => () => shownOf(w)));
  await work.pause();
  // recordJobExecution's runs by `job`, and monitor.jobs' (and instrumentBullMQ's) by `type`.
  const jobList = jobLines(
    [
      { runs: executions!.window, times: durations!.window, id: 'job' },
      { runs: outcomes!.window, times: runTimes!.window, id: 'type' },
    ],
    src.jobId,
    src.maxSeries,
    from,
    now,
  );
  const queue = queueStates(queueWindow!.window, from, now);
  // Each merge of a whole window below ends with work that is not charged (its distribution, its
  // summary): a chunk that ran its time turns first.
  if (work.due()) await work.pause();
  const system = await systemOf(uptime, requests, shownOf, wholeOf, work);
  const summaries: MetricSummary[] = [];
  for (const s of histograms) {
    if (work.due()) await work.pause();
    if (s.scan.stats.count > 0) summaries.push(summary(s.h.name, await wholeOf(s)));
  }
  if (work.due()) await work.pause();
  const slowestSeries = await slowest(histograms, from, now, work);
  if (work.due()) await work.pause();
  return {
    timestamp: new Date(now).toISOString(),
    service: src.service,
    jobs: jobList.listed,
    queue,
    system,
    performance: {
      snapshot: summaries,
      trends: histograms.map((s) => trend(s, from, now)).filter((t): t is TrendSnapshot => t !== undefined),
      slowest: slowestSeries,
    },
    alerts: { active: 0, items: [] },
    truncated: { jobs: jobList.omitted, alerts: 0 },
  };
}

/** Runs `steps` one after another (each may yield): the results in order. */
async function sequence<T>(steps: readonly (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  for (const step of steps) out.push(await step());
  return out;
}

/** A snapshot whose label filter matches no series: no metric data, the time and uptime as always. */
function emptySnapshot(src: SnapshotSources, now: number, uptime: number): MetricsSnapshot {
  return {
    timestamp: new Date(now).toISOString(),
    service: src.service,
    jobs: [],
    queue: { pending: 0, queued: 0, processing: 0, failed: 0, deadLetter: 0 },
    system: { uptime, errorRate: 0, avgResponseTime: 0, p95ResponseTime: 0 },
    performance: { snapshot: [], trends: [], slowest: [] },
    alerts: { active: 0, items: [] },
    truncated: { jobs: 0, alerts: 0 },
  };
}

