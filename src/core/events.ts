/** Payload of `metricRecorded`, emitted for values recorded through {@link Monitor.recordMetric}. */
export interface MetricRecordedEvent {
  name: string;
  value: number;
  unit?: string | undefined;
  labels: Readonly<Record<string, string>>;
  timestamp: number;
}

/** Payload of `flushed`: one batch of rollups written to storage. */
export interface FlushedEvent {
  rollups: number;
  batches: number;
  durationMs: number;
}

/**
 * Why data was dropped:
 * - `invalid_value`: a recorded value or label failed validation;
 * - `buffer_full`: the recorder's buffer was full while storage failed;
 * - `shutdown`: `close()` ran out of time before storage took it;
 * - `cardinality`: a series could not be created (a label set past a limit with nowhere to fold);
 * - `rejected`: the store rejected a rollup as invalid (it would fail on every retry);
 * - `late`: a record for a past slot past the late-record bounds;
 * - `metric_limit`: a new metric name past `limits.maxMetrics` / `limits.maxRecordedMetrics`;
 * - `alert_limit`: an alert past its rule's `limit` of active alerts.
 */
export type DropReason =
  | 'invalid_value'
  | 'buffer_full'
  | 'shutdown'
  | 'cardinality'
  | 'rejected'
  | 'late'
  | 'metric_limit'
  | 'alert_limit';

/** Payload of `dropped`: values or rollups that were not kept. */
export interface DroppedEvent {
  reason: DropReason;
  count: number;
  metric?: string | undefined;
}
