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

/** Why data was dropped. */
export type DropReason = 'invalid_value' | 'buffer_full' | 'shutdown' | 'cardinality';

/** Payload of `dropped`: values or rollups that were not kept. */
export interface DroppedEvent {
  reason: DropReason;
  count: number;
  metric?: string | undefined;
}
