/** Latency statistics of a report, in ms; null without samples. Seed 004's names. */
export interface SlaStats {
  meanLatency: number | null;
  medianLatency: number | null;
  p95Latency: number | null;
  p99Latency: number | null;
  minLatency: number | null;
  maxLatency: number | null;
}

/** One band of the distribution: latencies in (`from`, `to`] ms (`to` null for the last band). */
export interface SlaBucket {
  name: string;
  from: number;
  to: number | null;
  count: number;
}

/** Share of the entries at or under the objective. */
export interface SlaCompliance {
  /** The objective's `under` (ms) and `percent`. */
  under: number;
  target: number;
  /** Entries at or under `under`, complete and partial (a partial one at the latency recorded for it: at least the TTL when it ran out). */
  compliant: number;
  /** Their share of `totalMessages` (complete + partial, seed 004's denominator) in percent; null without samples. */
  percent: number | null;
  /**
   * Whether the share of entries at or under `under` reaches `target`: the share itself, not
   * `percent` rounded (94.996 % shows as 95 and is not met against 95). Null without samples.
   */
  met: boolean | null;
}

/** One recent finished entry of a timeline. */
export interface SlaSample {
  id: string;
  /** When it finished (its last phase, or its TTL for a partial one). */
  finishedAt: string;
  complete: boolean;
  /**
   * End-to-end ms of a complete entry. Of a partial one whose TTL ran out, from its earliest
   * marked phase to when it was found expired, at least the TTL; of one whose last phase came
   * without its first, the span of the phases it has. What the bands count it at.
   */
  latency: number | null;
  /** Each step's ms (`<from>_to_<to>`); null where a phase was not marked. */
  phases: Record<string, number | null>;
}

/** What the report was computed from and over. */
export interface SlaSystemInfo {
  /** True when there was anything to analyse: the timeline is defined here, or data was found. */
  enabled: boolean;
  lastUpdated: string;
  /** Seed 004's wording: `"Last 1h (TTL: 3600s)"`. */
  sampleWindow: string;
  /**
   * `fleet`: every instance's metrics (memory, waiting and stored rollups); `samples`: this
   * process's retained samples only (an `id` filter: ids are not metric labels).
   */
  scope: 'fleet' | 'samples';
  unit: 'ms';
  /**
   * This process's open entries and retained samples of the timeline (0 for a metric). Left out
   * of a tenant's report (`organizationId`): they count every tenant's entries.
   */
  openEntries?: number;
  retainedSamples?: number;
}

/** Seed 004's performance analysis, for a timeline or a latency metric over a window. */
export interface SlaReport {
  name: string;
  source: 'timeline' | 'metric';
  from: string;
  to: string;
  /** Window length in ms. */
  window: number;
  /**
   * Entries finished in the window, complete and partial (seed 004's total): the distribution
   * sums to it and the compliance is a share of it. A metric's: every sample.
   */
  totalMessages: number;
  /** Entries finished in the window with their first and last phases (a metric's: every sample). */
  completeMessages: number;
  /**
   * Entries finished in the window without their first or last phase (the TTL ran out first, or
   * the last phase came without the first); in the distribution at the latency recorded for them
   * (at least the TTL when it ran out: see {@link SlaSample.latency}).
   */
  partialMessages: number;
  /** complete / (complete + partial), percent; null when both are 0. */
  completeRate: number | null;
  /** Seed 004's keyed bands (`under1s`, `under2s`, `under5s`, `over5s`, `over10s`, `over30s` by default). */
  distribution: Record<string, number>;
  /** The same bands with their edges. */
  buckets: SlaBucket[];
  compliance: SlaCompliance;
  stats: SlaStats;
  /** Mean ms of each step, in phase order; null for a step without data. */
  phaseBreakdown: Record<string, number | null>;
  /** This process's most recent finished entries, newest first, up to `limit`. */
  recentSamples: SlaSample[];
  systemInfo: SlaSystemInfo;
}
