/** What the primary's reads and flushes of its attached workers return (see attached-workers.ts). */
import type { AggregatedMetrics } from '../metrics/aggregate.js';
import type { ExpositionFormat } from '../metrics/exposition/format.js';
import type { MissReason } from './misses.js';

/** Options of {@link AttachedWorkers.exportPrometheusMetrics}. */
export interface ClusterExportOptions {
  /** `'prometheus'` (text 0.0.4, default) or `'openmetrics'` (1.0). */
  format?: ExpositionFormat;
  /** Only metrics with these names (all when absent). */
  names?: readonly string[];
}

/** One worker that did not confirm a flush, and why. */
export interface FlushMiss {
  worker: string;
  reason: MissReason;
}

/** How the workers answered a request to write their open slots. */
export interface WorkerFlushReport {
  /** Workers asked (those that called `reportToPrimary`). */
  workers: number;
  /** Workers whose every rollup reached the primary's storage. */
  flushed: number;
  missed: FlushMiss[];
}

/** `getAggregatedMetrics` on the primary: the fleet of workers' answer plus how their flush went. */
export interface ClusterAggregatedMetrics extends AggregatedMetrics {
  workers: WorkerFlushReport;
}
