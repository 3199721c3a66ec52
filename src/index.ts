/**
 * `pulsewatch`: the edge-safe main entry. What an application uses: `createMonitor` and the
 * types of what it returns, the notifiers, health checks, rule packs, the monitoring HTTP
 * handler, the in-memory store and the helpers for writing a store of your own, and the error
 * classes. Engine classes (the alert engine, registries, the dispatcher) and the zod schemas
 * behind every options type stay internal: options are validated by the factory that takes them.
 * @module
 */

// --- The monitor -------------------------------------------------------------------------------
export { createMonitor } from './monitor.js';
// A type only: `createMonitor` is the way to make one, so options are always validated.
export type { Monitor } from './monitor.js';
export type { ExportOptions } from './metrics/exposition/export.js';
export type { MonitorSnapshot, SnapshotOptions } from './monitor-snapshot.js';
export type { MonitorOptions, ResolvedMonitorOptions } from './monitor-options.js';
export type { MonitorEvents, MonitorEventName } from './monitor-events.js';
export type { MetricRecordedEvent, FlushedEvent, DroppedEvent, DropReason } from './core/events.js';
export type { Clock, TimerHandle } from './core/clock.js';
export type { Duration } from './core/duration.js';
export type { Labels, LabelInput } from './core/labels.js';
export type { Logger } from './core/diagnostics.js';
// The interfaces Monitor implements: each documents its calls.
export type { MonitorEventApi } from './monitor-events.js';
export type { MetricDefinitionApi } from './metrics/definition-api.js';
export type { SeedRecordApi } from './metrics/seed-records.js';
export type { MonitorReadApi } from './monitor-snapshot.js';
export type { MonitorStore } from './monitor-options.js';

// --- Errors ------------------------------------------------------------------------------------
export {
  PulsewatchError,
  ConfigError,
  ValidationError,
  CardinalityError,
  StorageError,
  ClosedError,
  NotFoundError,
  NotificationError,
  TimeoutError,
  BreakerOpenError,
  LimitError,
  isPulsewatchError,
  isValidationError,
  isConfigError,
  isNotFoundError,
  isNotificationError,
  isTimeoutError,
  isBreakerOpenError,
  isLimitError,
} from './core/errors.js';
export type { PulsewatchErrorCode, ValidationIssue } from './core/errors.js';

// --- Metrics (made by monitor.counter(), .gauge(), .histogram()) --------------------------------
export type { Counter, BoundCounter } from './metrics/counter.js';
export type { Gauge, BoundGauge, GaugeCollect } from './metrics/gauge.js';
export type { Histogram, BoundHistogram, StopTimer } from './metrics/histogram.js';
export type { CounterOptions, GaugeOptions, HistogramOptions } from './metrics/options.js';
export { OVERFLOW_LABEL_VALUE } from './metrics/series-index.js';
export { parseMetricRecord } from './metrics/record-metric.js';
export type { MetricRecordInput, MetricRecord } from './metrics/record-metric.js';
export type { RecordBatchIssue, RecordBatchResult } from './metrics/seed-records.js';
export type { AggregateQuery, AggregatedMetrics } from './metrics/aggregate.js';
export type { TimeSeries, TimeSeriesQuery, TimeSeriesAggregation } from './metrics/time-series.js';
export { MAX_POINTS as MAX_TIME_SERIES_POINTS, TIME_SERIES_AGGREGATIONS } from './metrics/time-series.js';
export type { Instant } from './metrics/time-series-range.js';
export type { DistributionSummary } from './metrics/distribution.js';
export { JOB_METRICS } from './metrics/snapshot.js';
export type { MetricsSnapshot, JobSnapshot, MetricSummary, TrendSnapshot } from './metrics/snapshot.js';
export type { PerformanceTrackingOptions } from './metrics/performance-tracking.js';
// Instrumentation that runs anywhere (pg, ioredis and the metrics server: their entries).
export { cacheMetrics, CACHE_METRICS } from './integrations/instrument/cache.js';
export type { CacheMetrics, CacheMetricsOptions } from './integrations/instrument/cache.js';
export { timedFetch, instrumentFetch, FETCH_METRICS } from './integrations/instrument/fetch.js';
export type { FetchMetricsOptions, FetchFunction } from './integrations/instrument/fetch.js';
export type { Uninstrument } from './integrations/instrument/shared.js';
export { PROMETHEUS_CONTENT_TYPE, OPENMETRICS_CONTENT_TYPE } from './metrics/exposition/format.js';
export type { ExpositionFormat } from './metrics/exposition/format.js';

// --- Alerts (monitor.alerts) -------------------------------------------------------------------
export { rulePacks } from './alerts/packs.js';
export type { DefaultRulesOptions, ServiceRulesOptions, SlaRulesOptions } from './alerts/packs.js';
export type { AlertRule, AlertRuleInput, Aggregation, AggregationInput, BasicAggregation, BasicAggregationInput } from './alerts/rule-schema.js';
export type { ConditionName, Comparison } from './alerts/conditions.js';
export type { ManualAlertInput } from './alerts/manual-alert.js';
export type { AlertEngineOptions } from './alerts/options.js';
export type { EvaluationResult } from './alerts/engine.js';
export type { JobRulesOptions } from './alerts/packs-jobs.js';

// --- Prometheus and Grafana out (docs/prometheus.md) --------------------------------------------
export { toPrometheusRules } from './export/prometheus-rules.js';
export type { PrometheusRules, PrometheusRulesOptions, PrometheusAlertingRule, SkippedRule, ApproximateRule, MetricLookup } from './export/prometheus-rules.js';
export { grafanaDashboard } from './export/grafana-dashboard.js';
export type { GrafanaDashboard, GrafanaDashboardOptions, GrafanaPanel, GrafanaTarget, DashboardMetric, DashboardSource } from './export/grafana-dashboard.js';
export { metricsFromExposition } from './export/exposition-source.js';
export type { ExpositionMetrics } from './export/exposition-source.js';

// --- Jobs (monitor.jobs, docs/jobs.md) ---------------------------------------------------------
export type { Jobs, JobType, OptimizedFunctionConfig, JobsHealth } from './jobs/jobs.js';
export type { JobHandle } from './jobs/job.js';
export type { JobTypeDescription, JobTypeSettings, JobTypeState } from './jobs/describe.js';
export type { JobTypeOptions, EnqueueOptions, JobsOptions, JobHandler, JobContext, JobPriority } from './jobs/options.js';
export type { JobDeadLetterRecord } from './jobs/dead-letters.js';
export type { JobBaseline, JobRegression } from './jobs/type-stats.js';
export type { Bottleneck } from './jobs/bottlenecks.js';
export type { DeadLetterRun } from './jobs/dead-letter-processor.js';
export type { JobsCheckOptions, JobsHealthSource } from './health/checks/jobs.js';

// --- Performance reports (monitor.generatePerformanceReport, docs/reports.md) -------------------
export type { PerformanceReport, PerformanceReportQuery } from './reports/performance-report.js';
export type { ResolvedPerformanceReportQuery, ReportThresholds, ReportThresholdsInput, ReportPeriod } from './reports/options.js';
export { REPORT_PERIODS, REPORT_THRESHOLDS, DEFAULT_STABLE_BAND, TENANT_LABEL } from './reports/options.js';
export type { MetricSummary as ReportMetricSummary, MetricClass } from './reports/summary.js';
export type { Trend, TrendDirection } from './reports/trends.js';
export type { Recommendation, RecommendationRuleId } from './reports/rules.js';
export type { SystemHealth, SystemHealthCheck, SystemCheckStatus } from './reports/system-health.js';

// --- Timelines and SLA reports (monitor.timeline, monitor.slaReport, docs/sla.md) ----------------
export type { Timeline, TimelineId, TimelineCounts } from './timeline/timeline.js';
export type { TimelineOptions } from './timeline/options.js';
export { timelineMetricNames } from './timeline/options.js';
export type { SlaQuery } from './sla/options.js';
export type { SlaReport, SlaStats, SlaBucket, SlaCompliance, SlaSample, SlaSystemInfo } from './sla/types.js';

// --- Notifiers ---------------------------------------------------------------------------------
export { webhookNotifier } from './notifiers/webhook.js';
export type { WebhookNotifierOptions } from './notifiers/webhook.js';
export { slackNotifier } from './notifiers/slack.js';
export type { SlackNotifierOptions } from './notifiers/slack.js';
export { alertmanagerNotifier } from './notifiers/alertmanager.js';
export type { AlertmanagerNotifierOptions } from './notifiers/alertmanager.js';
export { consoleNotifier } from './notifiers/console.js';
export type { ConsoleNotifierOptions } from './notifiers/console.js';
export { verifyWebhookSignature, signWebhookBody } from './notifiers/signature.js';
export type { VerifyWebhookSignatureInput } from './notifiers/signature.js';
export type { WebhookPayload, WebhookAlert, PostableAlert } from './notifiers/alertmanager-payload.js';
export type { Notification, NotificationReason, Notifier, NotifierSendOptions } from './notifiers/contract.js';
export type { NotificationSentEvent, NotificationFailedEvent } from './notifiers/events.js';
export type { DeliveryOutcome, ChannelStatus } from './notifiers/dispatcher.js';
export type { ChannelPhase } from './notifiers/channel.js';
export type { ChannelBreakerState } from './notifiers/channel-breaker.js';
export type { DispatcherOptions, ResolvedDispatcherOptions } from './notifiers/options.js';

// --- Health (monitor.health) -------------------------------------------------------------------
export { checks } from './health/checks/index.js';
export { healthHttpStatus } from './health/status.js';
export { HEALTH_CHECK_DEFAULTS } from './health/options.js';
export type { HealthCheckOptions, ResolvedHealthCheckOptions, HealthQuery, OneCheckQuery } from './health/options.js';
export type { HealthCheckRunner, RegisteredCheck } from './health/registry.js';
export type {
  HealthStatus,
  HealthCheck,
  HealthCheckContext,
  HealthCheckResult,
  HealthCheckOutcome,
  CheckReport,
  NamedCheckReport,
  HealthReport,
  HealthCounts,
  HealthChangedEvent,
} from './health/types.js';
export type { HttpCheckOptions } from './health/checks/http.js';
export type { MetricCheckOptions, AggregateSource } from './health/checks/metric.js';
export type { ActiveAlertsCheckOptions, AlertSource } from './health/checks/active-alerts.js';
export type { BreakerSource, BreakerView } from './health/checks/breakers.js';
export type { PingClient } from './health/checks/redis.js';
export type { QueryClient, PostgresCheckOptions } from './health/checks/postgres.js';
export type { Grade, ThresholdDirection } from './health/checks/grade.js';

// --- Circuit breakers (monitor.circuitBreaker) -------------------------------------------------
export type { CircuitBreaker } from './resilience/breaker.js';
export type { BreakerOptions, BreakerFallback, ResolvedBreakerOptions } from './resilience/breaker-options.js';
export type { BreakerState, BreakerStateChangedEvent, BreakerStats, BreakerLatency, BreakerOutcome } from './resilience/types.js';
export type { BreakerEvents, BreakerEventName } from './resilience/breaker-events.js';

// --- The monitoring HTTP API (Web Request/Response) --------------------------------------------
export { createMonitoringHandler } from './integrations/http/handler.js';
export type { MonitoringHandler } from './integrations/http/handler.js';
export { PUBLIC_ROUTE_GROUPS } from './integrations/http/options.js';
export type { MonitoringHandlerOptions, ResolvedMonitoringHandlerOptions, Authorizer, PublicRouteGroup } from './integrations/http/options.js';
export type { HttpErrorCode, HttpIssue } from './integrations/http/errors.js';
export { HTTP_METRICS, UNMATCHED_ROUTE } from './integrations/request-metrics.js';

// --- Storage: the in-memory store, the contract, and helpers for writing a store -----------------
export { MemoryStorage } from './storage/memory/memory-storage.js';
export type { MemoryStorageOptions } from './storage/memory/memory-storage.js';
export type {
  StorageAdapter,
  Rollup,
  RollupQuery,
  RollupChanges,
  CallOptions,
  MetricKind,
  StorageLifecycle,
  RollupStore,
  LeaseStore,
  AlertRecordStore,
  DeadLetterStore,
  JobDeadLetterStore,
  PurgeableStore,
  PartialStorage,
  StorageRole,
  MetricNameQuery,
  StoredMetricName,
  StateStore,
  StateEntry,
  ReadStateOptions,
  OptionalStorageRole,
  CompactionStore,
  CompactionRequest,
  CompactionResult,
} from './storage/contract.js';
export { storageRoles, hasRole, COMPACTED_INSTANCE } from './storage/contract.js';
export type { CompactionOption } from './storage/compaction-options.js';
export { withLocalRoles, assertStorage } from './storage/local-roles.js';
export type { CompletedStorage } from './storage/local-roles.js';
export { rollupProblem, partitionRollups, rejectionError } from './storage/rollup-validation.js';
export type { RollupPartition } from './storage/rollup-validation.js';
export type { AlertRecord, AlertStatus, AlertQuery, Severity, StoredRule, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery } from './storage/records.js';
