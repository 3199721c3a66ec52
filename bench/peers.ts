/**
 * Setup of the peer libraries, configured the way their docs recommend for production and as
 * close to pulsewatch's defaults as each allows (same bucket bounds, same label sets).
 */
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Meter } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { MemoryStorage, createMonitor, type Monitor, type MonitorOptions, type StorageAdapter } from '../src/index.js';
import { SECONDS_BUCKETS } from '../src/metrics/options.js';

export const PULSEWATCH = 'pulsewatch';
export const PROM = 'prom-client';
export const OTEL = 'OpenTelemetry';

/**
 * A reader that never exports. The OTel SDK only aggregates for registered readers (with none,
 * `record()` is a no-op and the comparison would be meaningless), so one is required.
 */
class BenchReader extends MetricReader {
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** A meter backed by a real SDK pipeline (cumulative temporality, one reader). */
export function otelMeter(): { meter: Meter; shutdown: () => Promise<void> } {
  const provider = new MeterProvider({ readers: [new BenchReader()] });
  return { meter: provider.getMeter('bench'), shutdown: () => provider.shutdown() };
}

/** OTel's defaults are millisecond buckets; advise prom-client's second buckets so all three do the same work. */
export const OTEL_SECONDS_ADVICE = { explicitBucketBoundaries: [...SECONDS_BUCKETS] };

/** A non-global prom-client registry, so cases never see each other's metrics. */
export function promRegistry(): Registry {
  return new Registry();
}

/** A pulsewatch monitor for one case (its own registry, timers and storage). */
export function pulsewatchMonitor(options: MonitorOptions = {}): Monitor {
  return createMonitor({ service: 'bench', ...options });
}

/**
 * Storage that keeps nothing: memory cases then measure series state only, not the rollups a
 * store would retain (that is the store's retention policy, not the cost of a series).
 */
export const discardStorage: StorageAdapter = Object.assign(new MemoryStorage(), {
  name: 'discard',
  writeRollups: () => Promise.resolve(),
  queryRollups: () => Promise.resolve([]),
});
