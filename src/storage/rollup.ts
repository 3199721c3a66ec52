/**
 * What a store's rollup role reads and writes: a rollup (one series over one time slot) and the
 * queries over them.
 */

/** The kind of metric a rollup summarises. */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

/**
 * One series over one time slot: what the recorder writes to storage.
 * For counters `sum` is the amount added in the slot; for gauges `last` is the value at its end.
 */
export interface Rollup {
  name: string;
  kind: MetricKind;
  labels: Readonly<Record<string, string>>;
  /** Slot start, ms since the epoch (inclusive). */
  start: number;
  /** Slot end, ms since the epoch (exclusive). */
  end: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  last?: number | undefined;
  /**
   * Histograms only: the slot's HDR histogram, compressed and base64-encoded (HdrHistogram's
   * standard V2 format), of values divided by `resolution` and truncated to integers.
   */
  hdr?: string | undefined;
  /** Histograms only: the value of one integer unit in `hdr`, in the metric's unit. */
  resolution?: number | undefined;
  /** Service that wrote the rollup (the monitor's `service` option). */
  service?: string | undefined;
  /**
   * Who wrote the rollup: the writing monitor's `instanceId` (see docs/fleet.md). Stores keep one
   * rollup per (series, start, instance): a rollup with the same three replaces the stored one
   * (a retried write), rollups of other instances are kept beside it. Rollups without it (data
   * written before instances existed) are kept as before: by content.
   */
  instance?: string | undefined;
}

/** Which rollups to read: one metric name, label matchers (equality), and a time range. */
export interface RollupQuery {
  name: string;
  /** Only series whose labels include all of these. */
  labels?: Readonly<Record<string, string>> | undefined;
  /** Rollups whose slot ends after this time (ms, exclusive). Default: no lower bound. */
  from?: number | undefined;
  /** Rollups whose slot starts before this time (ms, exclusive). Default: no upper bound. */
  to?: number | undefined;
}

/** What `RollupStore.listMetricNames` reads: the names seen since a time, bounded. */
export interface MetricNameQuery {
  /** Names with a rollup whose slot ended after this time (ms since the epoch, exclusive). */
  since: number;
  /** At most this many names, the first in name order (default 1,000; at most 10,000). */
  limit?: number | undefined;
  /**
   * Only names that contain this text, ASCII letters compared without case (`A`-`Z` match
   * `a`-`z`), every other character exactly; applied before `limit`, so a matching name past the
   * store's first 10,000 is listed. No pattern language: `%`, `_`, `\` and `.*` are plain text.
   * Absent or empty: every name.
   */
  match?: string | undefined;
}

/** One metric name a store holds rollups of (see `RollupStore.listMetricNames`). */
export interface StoredMetricName {
  /** The name as it was written, byte for byte. */
  name: string;
  /** The kind of the rollup of this name that ended last (a name written with two kinds reads as the latest). */
  kind: MetricKind;
  /** End of the latest slot of this name in the store (ms since the epoch). */
  lastSeen: number;
  /**
   * How many series (label sets) of this name have a rollup that ended after `since`, every
   * instance together; absent when the store does not count them.
   */
  series?: number | undefined;
}

/** What `RollupStore.readRollupChanges` answers. */
export interface RollupChanges {
  /** Rollups of the name written since the cursor (some may have been returned before). */
  rollups: Rollup[];
  /** Where the next call continues from. */
  cursor: string;
  /** False when these are not every write since the cursor (none given, or the store let them go). */
  complete: boolean;
}
