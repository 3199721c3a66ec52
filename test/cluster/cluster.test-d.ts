import type { Worker as ThreadWorker } from 'node:worker_threads';
import { describe, expectTypeOf, it } from 'vitest';
import { createMonitor, type AggregatedMetrics, type StorageAdapter } from '../../src/index.js';
import {
  attachWorkers,
  primaryStorage,
  reportToPrimary,
  type AttachWorkersOptions,
  type ClusterAggregatedMetrics,
  type GaugeMerge,
  type WorkerFlushReport,
  type WorkerHandle,
} from '../../src/node.js';

const monitor = createMonitor();

describe('attachWorkers', () => {
  it('takes durations as strings or ms, and gauge merge modes by name', () => {
    expectTypeOf<{ timeout: '2s'; flushTimeout: 5000; gauges: 'max'; gaugeMerge: { lag_seconds: 'per-worker' } }>().toExtend<AttachWorkersOptions>();
    expectTypeOf<{ gauges: 'average' }>().not.toExtend<AttachWorkersOptions>();
    expectTypeOf<GaugeMerge>().toEqualTypeOf<'sum' | 'min' | 'max' | 'per-worker'>();
  });

  it('gives getAggregatedMetrics the monitor answer plus the flush report', () => {
    const workers = attachWorkers(monitor);
    expectTypeOf(workers.getAggregatedMetrics({ name: 'x' })).resolves.toEqualTypeOf<ClusterAggregatedMetrics>();
    expectTypeOf<ClusterAggregatedMetrics>().toExtend<AggregatedMetrics>();
    expectTypeOf<ClusterAggregatedMetrics['workers']>().toEqualTypeOf<WorkerFlushReport>();
    expectTypeOf(workers.exportPrometheusMetrics()).resolves.toBeString();
    expectTypeOf<ThreadWorker>().toExtend<WorkerHandle>();
  });
});

describe('the worker side', () => {
  it('reportToPrimary returns a stop function; primaryStorage is a StorageAdapter', () => {
    expectTypeOf(reportToPrimary).returns.toEqualTypeOf<() => void>();
    expectTypeOf(primaryStorage).returns.toExtend<StorageAdapter>();
  });
});
