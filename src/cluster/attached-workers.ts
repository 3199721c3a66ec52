import cluster from 'node:cluster';
import { ConfigError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import type { AggregateQuery } from '../metrics/aggregate.js';
import type { Monitor } from '../monitor.js';
import { captureState } from './capture.js';
import { workerEndpoint, type WorkerHandle } from './endpoint.js';
import { StateMerger, type GaugeMerge } from './merge.js';
import { Misses, type MissReason } from './misses.js';
import { attachWorkersOptionsSchema, type AttachWorkersOptions, type ResolvedAttachWorkersOptions } from './options.js';
import { decode, encode, isEnvelope, senderTag, type PrimaryMessage } from './protocol.js';
import { renderMerged } from './render.js';
import { PendingRequests } from './requests.js';
import { familiesSchema, type FamilyState } from './state.js';
import { answerCall } from './storage-server.js';
import { RetiredStates } from './retired.js';
import type { ClusterAggregatedMetrics, ClusterExportOptions, FlushMiss, WorkerFlushReport } from './attached-types.js';
import { checkedState } from './worker-state.js';
import type { WorkerLink } from './worker-link.js';

/** The primary's monitor, which {@link attachWorkers} extends: its scrapes and window reads include the workers. */
export type AttachHost = Monitor;
export type { ClusterAggregatedMetrics, ClusterExportOptions, FlushMiss, WorkerFlushReport } from './attached-types.js';

/**
 * The workers attached to a primary's monitor (see {@link attachWorkers}): serves their storage
 * calls, and merges their metrics with the primary's for one scrape and one aggregate.
 */
export class AttachedWorkers {
  /** The resolved options (defaults applied), frozen. */
  readonly options: Readonly<ResolvedAttachWorkersOptions>;
  private readonly links = new Map<string, WorkerLink>();
  private readonly pending: PendingRequests;
  private readonly tag = senderTag();
  private readonly misses: Misses;
  private readonly schema: ReturnType<typeof familiesSchema>;
  private readonly stops: (() => void)[] = [];
  /** Counters and histograms of exited workers, merged: totals never go down when a worker goes. */
  private readonly retired: RetiredStates;
  /** Families already reported as conflicting (reported once each, counted every scrape). */
  private readonly conflictsReported = new Set<string>();
  private attachments = 0;
  private closed = false;
  /** The flush in progress: a read and the monitor's own beforeRead share it. */
  private flushing: Promise<WorkerFlushReport> | undefined;

  /** Use {@link attachWorkers}. */
  constructor(
    private readonly monitor: AttachHost,
    options: AttachWorkersOptions = {},
  ) {
    const o = parseOptions(attachWorkersOptionsSchema, options, 'invalid attachWorkers options');
    this.options = o;
    this.pending = new PendingRequests(o.clock ?? monitor.clock, o.maxWorkers * 4);
    this.schema = familiesSchema(o);
    this.retired = new RetiredStates(o.maxRetiredSeries);
    this.misses = new Misses(monitor);
    monitor.gauge({ name: 'pulsewatch_cluster_workers', help: 'Workers reporting to this primary', collect: () => this.reporting });
    this.stops.push(monitor.onClose(() => this.close()));
    // The monitor's own reads and scrapes include the workers: its monitoring handler's GET
    // /metrics serves the merged exposition, and getAggregatedMetrics and snapshot have every
    // worker write its open slot first.
    this.stops.push(monitor.extensions.add({ beforeRead: () => this.flushWorkers(), exposition: (o) => this.exportPrometheusMetrics(o) }));
    if (o.cluster && cluster.isPrimary) {
      for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined) this.add(worker);
      const onFork = (worker: WorkerHandle): void => void this.add(worker);
      cluster.on('fork', onFork);
      this.stops.push(() => cluster.off('fork', onFork));
    }
  }

  /** Workers attached now. */
  get size(): number {
    return this.links.size;
  }

  /** Workers attached that called `reportToPrimary`: the ones a scrape asks. */
  get reporting(): number {
    let n = 0;
    for (const link of this.links.values()) if (link.joined) n++;
    return n;
  }

  /**
   * Attaches a worker: a `worker_threads` Worker, a forked `ChildProcess` or a `MessagePort`
   * (cluster workers are attached by themselves unless `cluster: false`). False when it was not
   * attached: already attached, `maxWorkers` reached (counted, reported), or after `close()`.
   * Throws a ConfigError for anything that is none of these.
   */
  add(handle: WorkerHandle): boolean {
    if (this.closed) return false;
    const endpoint = workerEndpoint(handle);
    for (const link of this.links.values()) if (link.handle === handle) return false;
    if (this.links.size >= this.options.maxWorkers) {
      this.misses.miss('attach', 'limit', `worker ${endpoint.label} not attached: ${this.options.maxWorkers} workers are (maxWorkers)`, { option: 'maxWorkers', max: this.options.maxWorkers });
      return false;
    }
    const key = String(++this.attachments);
    const stopMessages = endpoint.onMessage((m) => this.receive(link, m));
    const stopGone = endpoint.onGone(() => this.forget(link));
    const link: WorkerLink = {
      key,
      label: endpoint.label,
      endpoint,
      handle,
      joined: false,
      instanceId: undefined,
      last: undefined,
      collecting: undefined,
      storageCalls: 0,
      stop: () => {
        stopMessages();
        stopGone();
      },
    };
    this.links.set(key, link);
    // A worker that said hello before we listened says it again.
    this.send(link, { t: 'probe', c: this.tag });
    return true;
  }

  /**
   * Every metric of the primary and of each reporting worker, merged, in the Prometheus text
   * format 0.0.4 (default) or OpenMetrics 1.0: counters and histogram buckets, sums and counts
   * add up; gauges merge as the `gauges` option says. A worker that does not answer within
   * `timeout` (or sends a state that breaks the bounds) is counted and its last state used;
   * exited workers' counters and histograms are kept. Rejects only with a ConfigError for a
   * `format` other than the two.
   */
  async exportPrometheusMetrics(options: ClusterExportOptions = {}): Promise<string> {
    const format = options.format ?? 'prometheus';
    if (format !== 'prometheus' && format !== 'openmetrics') throw new ConfigError(`exportPrometheusMetrics: format must be "prometheus" or "openmetrics", got ${JSON.stringify(String(format).slice(0, 40))}`);
    // Every request goes out before the first await: the timeouts run from the call. The
    // primary's own state is read after the answers, so this scrape counts its own misses.
    await Promise.all([...this.links.values()].filter((l) => l.joined).map((l) => this.collect(l)));
    const own = captureState(this.monitor);
    const merger = new StateMerger({ gaugeMerge: (name) => this.gaugeMerge(name), workerLabel: this.options.workerLabel });
    merger.add('primary', own);
    for (const link of this.links.values()) if (link.joined && link.last !== undefined) merger.add(link.label, link.last);
    merger.add('exited', this.retired.states);
    for (const name of merger.conflicts) {
      const quiet = this.conflictsReported.has(name) || this.conflictsReported.size >= 1_000;
      if (!quiet) this.conflictsReported.add(name);
      this.misses.miss('merge', 'conflict', `metric "${name}" of a worker does not match the one merged under its name (kind, unit, buckets or sample names); left out`, { quiet });
    }
    const names = Array.isArray(options.names) ? new Set(options.names) : undefined;
    const families = [...merger.families.values()].filter((f) => names === undefined || names.has(f.name));
    return renderMerged(families, format, (name) => this.monitor.reportError(new ConfigError(`cluster: metric "${name}" left out of the exposition: it would pass its length bound`)));
  }

  /**
   * Asks every reporting worker to write its open slot and waits (each within `flushTimeout`), so
   * that a read of the primary's storage then sees all they recorded. Calls made while one is in
   * progress share it. Never rejects; a worker that did not confirm is named in `missed`,
   * counted and reported.
   */
  flushWorkers(): Promise<WorkerFlushReport> {
    this.flushing ??= this.flushAll().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async flushAll(): Promise<WorkerFlushReport> {
    const joined = [...this.links.values()].filter((l) => l.joined);
    const timeout = this.options.flushTimeout;
    const results = await Promise.all(
      joined.map(async (link): Promise<FlushMiss | undefined> => {
        const settled = await this.pending.request<Record<string, unknown>>(link.key, timeout, (id) => this.send(link, { t: 'flush', c: this.tag, id }));
        let reason: MissReason | undefined;
        if (!settled.ok) reason = settled.reason;
        else if (settled.value.t !== 'flushed') reason = 'failed';
        else if (settled.value.buffered !== 0) reason = 'unflushed';
        if (reason === undefined) return undefined;
        this.misses.miss('flush', reason, `worker ${link.label} did not confirm writing its open slot (${reason})`, { timeoutMs: timeout });
        return { worker: link.label, reason };
      }),
    );
    const missed = results.filter((r) => r !== undefined);
    return { workers: joined.length, flushed: joined.length - missed.length, missed };
  }

  /**
   * `monitor.getAggregatedMetrics` after {@link flushWorkers}: every worker's values, its open
   * slot included, read from the primary's storage (or the store they share). `workers` says
   * whether every worker confirmed; one that did not is missing only what it recorded since its
   * last flush. Rejects as `monitor.getAggregatedMetrics` does (an invalid query, a failed read).
   */
  async getAggregatedMetrics(query: AggregateQuery): Promise<ClusterAggregatedMetrics> {
    const flushed = this.flushWorkers();
    // The monitor's read waits for the same flush (the beforeRead registered above).
    const result = await this.monitor.getAggregatedMetrics(query);
    return { ...result, workers: await flushed };
  }

  /** Detaches every worker and stops attaching new ones. Idempotent; the monitor's close calls it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const stop of this.stops.splice(0)) stop();
    for (const link of this.links.values()) link.stop();
    this.links.clear();
    this.pending.close();
  }

  private gaugeMerge(name: string): GaugeMerge {
    return this.options.gaugeMerge[name] ?? this.options.gauges;
  }

  /** Asks `link` for its state (one request at a time per worker); updates `link.last`. */
  private collect(link: WorkerLink): Promise<void> {
    link.collecting ??= this.pending
      .request<Record<string, unknown>>(link.key, this.options.timeout, (id) => this.send(link, { t: 'collect', c: this.tag, id }))
      .then((settled) => {
        link.collecting = undefined;
        if (!settled.ok) {
          const kept = link.last === undefined ? 'it is left out' : 'its last state is used';
          this.misses.miss('collect', settled.reason, `worker ${link.label} did not answer the scrape (${settled.reason}); ${kept}`, { timeoutMs: this.options.timeout });
          return;
        }
        const m = settled.value;
        const families = m.t === 'state' ? checkedState(m.families, link.label, this.schema, this.options, this.misses) : undefined;
        if (m.t !== 'state') this.misses.miss('collect', 'failed', `worker ${link.label} could not send its state: ${String(m.message).slice(0, 200)}`);
        // A worker that said bye meanwhile has left its final state in the retired one already.
        if (families !== undefined && link.joined) link.last = families;
      });
    return link.collecting;
  }

  private receive(link: WorkerLink, raw: unknown): void {
    // Anything not ours is the application's own message: not our business.
    if (!isEnvelope(raw) || !this.links.has(link.key)) return;
    const decoded = decode(raw, this.options.maxMessageBytes);
    if (!('message' in decoded)) {
      const what = decoded.problem === 'too_large' ? `a message past maxMessageBytes (${this.options.maxMessageBytes})` : 'a message that is not one';
      this.misses.miss('message', decoded.problem, `worker ${link.label} sent ${what}; dropped`, { option: 'maxMessageBytes', max: this.options.maxMessageBytes });
      return;
    }
    const m = decoded.message;
    switch (m.t) {
      case 'hello':
        link.joined = true;
        link.instanceId = typeof m.instanceId === 'string' ? m.instanceId.slice(0, 256) : undefined;
        return;
      case 'bye': {
        const final = m.families === undefined ? undefined : checkedState(m.families, link.label, this.schema, this.options, this.misses);
        this.retire(link, final ?? link.last);
        link.joined = false;
        link.last = undefined;
        return;
      }
      case 'state':
      case 'flushed':
      case 'failed':
        if (m.c === this.tag) this.pending.answer(m.id, m);
        return;
      case 'call':
        void answerCall(link, m, this.monitor.storage, this.options, (detail) => this.misses.miss('message', 'invalid', detail));
        return;
      default:
        this.misses.miss('message', 'invalid', `worker ${link.label} sent a message of unknown type; dropped`);
    }
  }

  private send(link: WorkerLink, message: PrimaryMessage): boolean {
    const envelope = encode(message, this.options.maxMessageBytes);
    return envelope !== undefined && link.endpoint.send(envelope);
  }

  /** The worker exited: its requests settle now, its counters and histograms are kept. */
  private forget(link: WorkerLink): void {
    if (this.links.get(link.key) !== link) return;
    this.links.delete(link.key);
    link.stop();
    if (link.joined) this.retire(link, link.last);
    this.pending.gone(link.key);
  }

  /** Keeps an exited worker's counters and histograms, within `maxRetiredSeries`. */
  private retire(link: WorkerLink, state: FamilyState[] | undefined): void {
    if (state === undefined) return;
    const lost = this.retired.keep(state);
    if (lost === 0) return;
    this.misses.miss('retire', 'limit', `worker ${link.label} exited; ${lost} new series of its counters and histograms were not kept (maxRetiredSeries)`, { count: lost, option: 'maxRetiredSeries', max: this.options.maxRetiredSeries });
  }
}

/**
 * Makes the primary of a `cluster` (or the main thread of `worker_threads`) report for its workers:
 * one scrape ({@link AttachedWorkers.exportPrometheusMetrics}) and one
 * {@link AttachedWorkers.getAggregatedMetrics} return the merged, exact histograms, counters and
 * gauges of the primary and every worker that calls `reportToPrimary`, and workers that use
 * `primaryStorage()` write their rollups to this monitor's storage. Cluster workers are attached
 * as they fork; attach threads and forked children with `add()`. Everything goes over node's own
 * IPC; no server, no port. Detaches when the monitor closes. Throws a ConfigError for invalid
 * options; never throws afterwards. See docs/cluster.md.
 */
export function attachWorkers(monitor: AttachHost, options: AttachWorkersOptions = {}): AttachedWorkers {
  return new AttachedWorkers(monitor, options);
}
