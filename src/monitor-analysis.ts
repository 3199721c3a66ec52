import type { TimeSeries, TimeSeriesQuery } from './metrics/time-series.js';
import { timeSeries } from './metrics/time-series.js';
import type { WindowQuerySources } from './metrics/window-query.js';
import { generatePerformanceReport, type PerformanceReport, type PerformanceReportQuery } from './reports/performance-report.js';
import type { SlaQuery } from './sla/options.js';
import type { SlaReporter } from './sla/reporter.js';
import type { SlaReport } from './sla/types.js';
import type { TimelineOptions } from './timeline/options.js';
import type { TimelineRegistry } from './timeline/registry.js';
import type { Timeline } from './timeline/timeline.js';

/** What the analysis reads use: the window sources, the SLA capability and the monitor's start and pre-read hook. */
export interface AnalysisParts {
  sources: WindowQuerySources;
  timelines: TimelineRegistry;
  sla: SlaReporter;
  /** Starts the monitor; idempotent, never throws. */
  start(): void;
  /** What extensions run before a window read (a cluster primary has its workers write their open slots). */
  beforeRead(): Promise<void>;
}

/**
 * The analyses a monitor answers over ranges of the fleet's data: phase timelines and their SLA
 * report (docs/sla.md), time series (docs/metrics.md) and performance reports (docs/reports.md).
 * Each read starts the monitor and first runs what extensions add.
 */
export interface MonitorAnalysisApi {
  /** Creates (or returns the identical existing) timeline `name`: phase timing with `mark(id, phase, at?)` (docs/sla.md). */
  timeline(name: string, options: TimelineOptions): Timeline;
  /** This process's timelines, in creation order (docs/sla.md). */
  getTimelines(): Timeline[];
  /** Seed 004's SLA analysis of a timeline or a latency histogram over a window, fleet-wide (docs/sla.md). */
  slaReport(query?: SlaQuery): Promise<SlaReport>;
  /** Points per step of a metric over a range, fleet-wide (docs/metrics.md#time-series, served as GET /metrics/series). */
  getTimeSeries(query: TimeSeriesQuery): Promise<TimeSeries>;
  /** Seed 003's performance report over a period, with trends and recommendations (docs/reports.md). */
  generatePerformanceReport(query?: PerformanceReportQuery): Promise<PerformanceReport>;
}

/** @internal The analyses of one monitor (wiring: {@link MonitorAnalysisApi} documents them). */
export class MonitorAnalysis implements MonitorAnalysisApi {
  constructor(/** @internal */ readonly parts: AnalysisParts) {}

  timeline(name: string, options: TimelineOptions): Timeline {
    return this.parts.timelines.create(name, options);
  }

  getTimelines(): Timeline[] {
    return this.parts.timelines.list();
  }

  async slaReport(query: SlaQuery = {}): Promise<SlaReport> {
    await this.ready();
    return this.parts.sla.report(query);
  }

  async getTimeSeries(query: TimeSeriesQuery): Promise<TimeSeries> {
    await this.ready();
    return timeSeries(this.parts.sources, query);
  }

  async generatePerformanceReport(query: PerformanceReportQuery = {}): Promise<PerformanceReport> {
    await this.ready();
    return generatePerformanceReport(this.parts.sources, query);
  }

  private async ready(): Promise<void> {
    this.parts.start();
    await this.parts.beforeRead();
  }
}
