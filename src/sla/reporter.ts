import type { CapabilityContext } from '../capability.js';
import { ValidationError } from '../core/errors.js';
import { parseReadQuery } from '../metrics/time-series-range.js';
import type { TimelineRegistry } from '../timeline/registry.js';
import { stepName, timelineMetricNames } from '../timeline/options.js';
import type { Timeline } from '../timeline/timeline.js';
import type { StoredSample } from '../timeline/samples.js';
import { bandsOf, complianceOf, edgeLabel, exactSet, keyedBands, statsOf, type LatencySet } from './distribution.js';
import { FleetReader } from './fleet-read.js';
import { slaQuerySchema, TENANT_LABEL, type ResolvedSlaQuery, type SlaQuery } from './options.js';
import type { SlaReport, SlaSample } from './types.js';

/** The label a timeline's latency histogram and entry counter split complete and partial entries by. */
export const STATUS_LABEL = 'status';

/** What one report is computed from, before it is shaped. */
interface Measured {
  /**
   * Latency of every entry finished in the window, complete (end to end) and partial (expired:
   * at least the TTL; see Timeline): seed 004's total, bands, compliance and stats are all of this set.
   */
  set: LatencySet;
  complete: number;
  partial: number;
  steps: Map<string, number>;
  enabled: boolean;
}

/**
 * Seed 004's performance analysis (`monitor.slaReport(query)`) of a timeline or a latency
 * histogram over a window: the bands, the compliance with the objective, the statistics, the
 * complete and partial counts, the mean of each step and the most recent samples. Reads the
 * fleet's metrics (every instance's), except with an `id` filter, which reads this process's
 * retained samples.
 */
export class SlaReporter {
  private readonly fleet: FleetReader;

  constructor(
    private readonly ctx: CapabilityContext,
    private readonly timelines: TimelineRegistry,
  ) {
    this.fleet = new FleetReader(ctx);
  }

  /**
   * The report for `query`. Rejects with a {@link ValidationError} naming every bad field, and
   * with a `StorageError` when the store cannot be read.
   */
  async report(query: SlaQuery): Promise<SlaReport> {
    // Getter- and Proxy-safe, as every analysis read: a query that throws when read is a
    // ValidationError, never the caller's own error.
    const q = { ...parseReadQuery(slaQuerySchema, query, 'SLA query') };
    // The tenant is a label like any other: every metric read narrows by it.
    if (q.organizationId !== undefined) q.labels = { ...q.labels, [TENANT_LABEL]: q.organizationId };
    if (q.timeline === undefined && q.metric === undefined) q.timeline = this.onlyTimeline();
    if (q.timeline !== undefined && q.labels?.[STATUS_LABEL] !== undefined) {
      // The report reads both statuses to count complete and partial entries: narrowed to one,
      // its total would no longer be complete + partial (the counts are read apart).
      const message = `a timeline report counts complete and partial entries itself; read the ${STATUS_LABEL} split from completeMessages and partialMessages (or slaReport({ metric: '<name>_latency_ms', labels: { ${STATUS_LABEL} } }) for one status's latencies)`;
      throw new ValidationError(`invalid SLA query: labels.${STATUS_LABEL}: ${message}`, [{ path: `labels.${STATUS_LABEL}`, message }]);
    }
    // Expired entries become partial before anything is read: the counts are current.
    this.timelines.sweep();
    const to = this.ctx.clock.now();
    const from = to - q.window;
    const timeline = q.timeline === undefined ? undefined : this.timelines.get(q.timeline);
    const measured = q.timeline === undefined ? await this.ofMetric(q, from, to) : q.id === undefined ? await this.ofTimeline(q.timeline, timeline, q, from, to) : this.ofSamples(timeline, q.id, from, to);
    return this.shape(q, timeline, measured, from, to);
  }

  /** The name of this process's one timeline; a ValidationError naming `timeline` when there is none or several. */
  private onlyTimeline(): string {
    const all = this.timelines.list();
    if (all.length === 1) return all[0]!.name;
    const message = `give a timeline or a metric (this monitor has ${all.length === 0 ? 'no timeline' : `${all.length} timelines`})`;
    throw new ValidationError(`invalid SLA query: timeline: ${message}`, [{ path: 'timeline', message }]);
  }

  private async ofMetric(q: ResolvedSlaQuery, from: number, to: number): Promise<Measured> {
    const { set, found } = await this.fleet.latency(q.metric!, q.labels, from, to, q.unit);
    return { set, complete: set.count, partial: 0, steps: new Map(), enabled: found };
  }

  private async ofTimeline(name: string, timeline: Timeline | undefined, q: ResolvedSlaQuery, from: number, to: number): Promise<Measured> {
    const names = timelineMetricNames(name);
    // A counter's sum is NaN when no series matched (getAggregatedMetrics): no entries finished, 0.
    const count = async (status: string): Promise<number> => {
      const sum = (await this.ctx.aggregate({ name: names.entries, labels: { ...q.labels, status }, window: q.window })).sum;
      return Number.isFinite(sum) ? sum : 0;
    };
    const [latency, steps, complete, partial] = await Promise.all([
      this.fleet.latency(names.latency, q.labels, from, to, 'ms'),
      this.fleet.meansBy(names.steps, 'phase', q.labels, from, to),
      count('complete'),
      count('partial'),
    ]);
    return { set: latency.set, complete, partial, steps, enabled: timeline !== undefined || latency.found || complete + partial > 0 };
  }

  /** From this process's retained samples of `timeline` whose id is `id` or starts with `id:`. */
  private ofSamples(timeline: Timeline | undefined, id: string, from: number, to: number): Measured {
    const samples = timeline === undefined ? [] : timeline.recent(inWindow(id, from, to));
    const latencies: number[] = [];
    const sums = new Map<string, { sum: number; n: number }>();
    let partial = 0;
    for (const s of samples) {
      // A partial entry is counted at the latency recorded for it, as the fleet's figures count it.
      latencies.push(latencyOf(s));
      if (!s.complete) partial++;
      for (const [step, ms] of Object.entries(stepsOf(timeline!, s))) {
        if (ms === null) continue;
        const acc = sums.get(step) ?? { sum: 0, n: 0 };
        acc.sum += ms;
        acc.n++;
        sums.set(step, acc);
      }
    }
    const steps = new Map([...sums].map(([k, v]) => [k, v.sum / v.n]));
    return { set: exactSet(latencies), complete: latencies.length - partial, partial, steps, enabled: timeline !== undefined };
  }

  private shape(q: ResolvedSlaQuery, timeline: Timeline | undefined, m: Measured, from: number, to: number): SlaReport {
    const under = q.objective.under;
    const bands = bandsOf(m.set, q.buckets, under);
    // Seed 004: compliance over complete + partial messages (its total), as its bands sum to it.
    const finished = m.complete + m.partial;
    const ttl = timeline?.options.ttl;
    // Samples carry no labels: a tenant's report cannot tell its own from another tenant's.
    const samples = timeline === undefined || q.organizationId !== undefined ? [] : timeline.recent(inWindow(q.id, from, to));
    return {
      name: (q.timeline ?? q.metric)!,
      source: q.timeline === undefined ? 'metric' : 'timeline',
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      window: q.window,
      totalMessages: m.set.count,
      completeMessages: m.complete,
      partialMessages: m.partial,
      completeRate: finished === 0 ? null : round((m.complete / finished) * 100, 2),
      distribution: keyedBands(bands),
      buckets: bands,
      // Met by the share itself, not by the share rounded for display (see complianceOf).
      compliance: complianceOf(m.set, under, q.objective.percent),
      stats: statsOf(m.set),
      phaseBreakdown: this.breakdown(timeline, m.steps),
      recentSamples: samples.slice(0, q.limit).map((s) => sampleView(timeline!, s)),
      systemInfo: {
        enabled: m.enabled,
        lastUpdated: new Date(to).toISOString(),
        sampleWindow: `Last ${edgeLabel(q.window)}${ttl === undefined ? '' : ` (TTL: ${Math.round(ttl / 1000)}s)`}`,
        scope: q.id === undefined ? 'fleet' : 'samples',
        unit: 'ms',
        // A tenant's report leaves out counts of every tenant's entries.
        ...(q.organizationId === undefined ? { openEntries: timeline?.openEntries ?? 0, retainedSamples: timeline?.retainedSamples ?? 0 } : {}),
      },
    };
  }

  /** Step means in phase order (this process's timeline's, when it has one), then any other step found. */
  private breakdown(timeline: Timeline | undefined, steps: Map<string, number>): Record<string, number | null> {
    const out: Record<string, number | null> = {};
    if (timeline !== undefined) {
      const p = timeline.phases;
      for (let i = 1; i < p.length; i++) out[stepName(p[i - 1]!, p[i]!)] = null;
    }
    for (const [step, mean] of steps) if (step !== '__proto__') out[step] = round(mean, 1);
    return out;
  }
}

/** Samples finished in [from, to] whose id (when `id` is given) is `id` or starts with `id:`. */
function inWindow(id: string | undefined, from: number, to: number): (s: StoredSample) => boolean {
  if (id === undefined) return (s) => s.finishedAt >= from && s.finishedAt <= to;
  const prefix = `${id}:`;
  return (s) => s.finishedAt >= from && s.finishedAt <= to && (s.id === id || s.id.startsWith(prefix));
}

function stepsOf(timeline: Timeline, s: StoredSample): Record<string, number | null> {
  const p = timeline.phases;
  const out: Record<string, number | null> = {};
  for (let i = 1; i < p.length; i++) {
    const d = s.times[i]! - s.times[i - 1]!;
    out[stepName(p[i - 1]!, p[i]!)] = Number.isNaN(d) ? null : d;
  }
  return out;
}

function sampleView(timeline: Timeline, s: StoredSample): SlaSample {
  return {
    id: s.id,
    finishedAt: new Date(s.finishedAt).toISOString(),
    complete: s.complete,
    latency: latencyOf(s),
    phases: stepsOf(timeline, s),
  };
}

/** The latency the timeline recorded for a sample: what the fleet's figures count it at. */
function latencyOf(s: StoredSample): number {
  return s.latency;
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
