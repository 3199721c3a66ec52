/**
 * `pulsewatch`: the edge-safe main entry. Metrics, the recorder, exposition and the storage
 * contract with its in-memory implementation.
 * @module
 */
export { createMonitor, Monitor } from './monitor.js';
export type { ExportOptions, SnapshotOptions, MonitorSnapshot } from './monitor.js';
export { monitorOptionsSchema } from './monitor-options.js';
export type { MonitorOptions, ResolvedMonitorOptions } from './monitor-options.js';

export { systemClock } from './core/clock.js';
export type { Clock, TimerHandle } from './core/clock.js';
export { parseDuration, durationSchema } from './core/duration.js';
export type { Duration } from './core/duration.js';
export {
  PulsewatchError,
  ConfigError,
  ValidationError,
  CardinalityError,
  StorageError,
  ClosedError,
  isPulsewatchError,
  isValidationError,
  isConfigError,
  NotFoundError,
  NotificationError,
  TimeoutError,
  BreakerOpenError,
  isNotFoundError,
  isNotificationError,
  isTimeoutError,
  isBreakerOpenError,
  LimitError,
  isLimitError,
} from './core/errors.js';
export type { PulsewatchErrorCode, ValidationIssue } from './core/errors.js';
export type { MetricRecordedEvent, FlushedEvent, DroppedEvent, DropReason } from './core/events.js';
export type { MonitorEvents, MonitorEventName } from './monitor-events.js';
export type { Labels, LabelInput } from './core/labels.js';
export { rollupProblem, partitionRollups, rejectionError } from './storage/rollup-validation.js';
export type { RollupPartition } from './storage/rollup-validation.js';

export { Counter } from './metrics/counter.js';
export type { BoundCounter } from './metrics/counter.js';
export { Gauge } from './metrics/gauge.js';
export type { BoundGauge, GaugeCollect } from './metrics/gauge.js';
export { Histogram } from './metrics/histogram.js';
export type { BoundHistogram, StopTimer } from './metrics/histogram.js';
export { OVERFLOW_LABEL_VALUE } from './metrics/series-index.js';
export { counterOptionsSchema, gaugeOptionsSchema, histogramOptionsSchema, SECONDS_BUCKETS } from './metrics/options.js';
export type { CounterOptions, GaugeOptions, HistogramOptions } from './metrics/options.js';
export { metricRecordSchema, parseMetricRecord } from './metrics/record-metric.js';
export type { MetricRecordInput, MetricRecord } from './metrics/record-metric.js';
export { aggregateQuerySchema } from './metrics/aggregate.js';
export type { AggregateQuery, AggregatedMetrics } from './metrics/aggregate.js';
export type { DistributionSummary } from './metrics/distribution.js';
export { JOB_METRICS } from './metrics/snapshot.js';
export type { MetricsSnapshot, JobSnapshot, MetricSummary, TrendSnapshot } from './metrics/snapshot.js';
export { performanceTrackingOptionsSchema } from './metrics/performance-tracking.js';
export type { PerformanceTrackingOptions } from './metrics/performance-tracking.js';
export {
  PROMETHEUS_CONTENT_TYPE,
  OPENMETRICS_CONTENT_TYPE,
  escapeLabelValue,
  escapePrometheusHelp,
  formatBound,
} from './metrics/exposition/format.js';
export type { ExpositionFormat } from './metrics/exposition/format.js';

export { AlertEngine } from './alerts/engine.js';
export type { EvaluationResult } from './alerts/engine.js';
export { alertRuleSchema, conditionSchema, aggregationSchema, BASIC_AGGREGATIONS } from './alerts/rule-schema.js';
export type { AlertRule, AlertRuleInput, Aggregation, AggregationInput, BasicAggregation } from './alerts/rule-schema.js';
export { CONDITION_NAMES } from './alerts/conditions.js';
export type { ConditionName, Comparison } from './alerts/conditions.js';
export { manualAlertSchema } from './alerts/manual-alert.js';
export type { ManualAlertInput } from './alerts/manual-alert.js';
export { alertEngineOptionsSchema } from './alerts/options.js';
export type { AlertEngineOptions } from './alerts/options.js';
export { fingerprint } from './alerts/fingerprint.js';
export { rulePacks, defaultRules, serviceRules, slaRules } from './alerts/packs.js';
export type { DefaultRulesOptions, ServiceRulesOptions, SlaRulesOptions } from './alerts/packs.js';

export { createMonitoringHandler } from './integrations/http/handler.js';
export type { MonitoringHandler } from './integrations/http/handler.js';
export { monitoringHandlerOptionsSchema, PUBLIC_ROUTE_GROUPS } from './integrations/http/options.js';
export type { MonitoringHandlerOptions, ResolvedMonitoringHandlerOptions, Authorizer, PublicRouteGroup } from './integrations/http/options.js';
export type { HttpErrorCode, HttpIssue } from './integrations/http/errors.js';
export { HTTP_METRICS, UNMATCHED_ROUTE } from './integrations/request-metrics.js';

export { MemoryStorage, memoryStorageOptionsSchema } from './storage/memory/memory-storage.js';
export type { MemoryStorageOptions } from './storage/memory/memory-storage.js';
export type { StorageAdapter, Rollup, RollupQuery, CallOptions, MetricKind } from './storage/contract.js';
export type { StorageLifecycle, RollupStore, LeaseStore, AlertRecordStore, DeadLetterStore, JobDeadLetterStore, PurgeableStore, PartialStorage, StorageRole } from './storage/contract.js';
export { storageRoles, hasRole } from './storage/contract.js';
export { withLocalRoles, assertStorage } from './storage/local-roles.js';
export type { CompletedStorage } from './storage/local-roles.js';
export type { AlertRecord, AlertStatus, AlertQuery, Severity, StoredRule, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery } from './storage/records.js';
export type { Notification, NotificationReason, Notifier, NotifierSendOptions } from './notifiers/contract.js';
export type { NotificationSentEvent, NotificationFailedEvent } from './notifiers/events.js';
export { NotificationDispatcher, deadLetterId } from './notifiers/dispatcher.js';
export type { DeliveryOutcome, ChannelStatus } from './notifiers/dispatcher.js';
export type { ChannelPhase } from './notifiers/channel.js';
export type { ChannelBreakerState } from './notifiers/channel-breaker.js';
export { dispatcherOptionsSchema } from './notifiers/options.js';
export type { DispatcherOptions, ResolvedDispatcherOptions } from './notifiers/options.js';
export { webhookNotifier, webhookNotifierOptionsSchema } from './notifiers/webhook.js';
export type { WebhookNotifierOptions } from './notifiers/webhook.js';
export { slackNotifier, slackNotifierOptionsSchema, slackMessage, SLACK_COLORS } from './notifiers/slack.js';
export type { SlackNotifierOptions } from './notifiers/slack.js';
export { alertmanagerNotifier, alertmanagerNotifierOptionsSchema } from './notifiers/alertmanager.js';
export type { AlertmanagerNotifierOptions } from './notifiers/alertmanager.js';
export { consoleNotifier, consoleNotifierOptionsSchema, consoleLine } from './notifiers/console.js';
export type { ConsoleNotifierOptions } from './notifiers/console.js';
export {
  verifyWebhookSignature,
  signWebhookBody,
  SIGNATURE_HEADER,
  SIGNATURE_TIMESTAMP_HEADER,
  DEFAULT_SIGNATURE_TOLERANCE,
} from './notifiers/signature.js';
export type { VerifyWebhookSignatureInput } from './notifiers/signature.js';
export { webhookPayload, postableAlert } from './notifiers/alertmanager-payload.js';
export type { WebhookPayload, WebhookAlert, PostableAlert } from './notifiers/alertmanager-payload.js';
export { HealthRegistry } from './health/registry.js';
export type { HealthCheckRunner, RegisteredCheck } from './health/registry.js';
export { healthCheckOptionsSchema, healthQuerySchema, HEALTH_CHECK_DEFAULTS, WELL_KNOWN_GROUPS } from './health/options.js';
export type { HealthCheckOptions, ResolvedHealthCheckOptions, HealthQuery, OneCheckQuery } from './health/options.js';
export { healthHttpStatus, STATUS_GAUGE_VALUE } from './health/status.js';
export { HEALTH_METRICS } from './health/metrics.js';
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
export { checks } from './health/checks/index.js';
export { httpCheckOptionsSchema } from './health/checks/http.js';
export type { HttpCheckOptions } from './health/checks/http.js';
export { metricCheckOptionsSchema, METRIC_AGGREGATIONS } from './health/checks/metric.js';
export type { MetricCheckOptions, AggregateSource } from './health/checks/metric.js';
export { activeAlertsCheckOptionsSchema } from './health/checks/active-alerts.js';
export type { ActiveAlertsCheckOptions, AlertSource } from './health/checks/active-alerts.js';
export type { BreakerSource, BreakerView } from './health/checks/breakers.js';
export type { PingClient } from './health/checks/redis.js';
export type { QueryClient, PostgresCheckOptions } from './health/checks/postgres.js';
export type { Grade, ThresholdDirection } from './health/checks/grade.js';
export { BreakerRegistry } from './resilience/breaker-registry.js';
export type { CircuitBreaker } from './resilience/breaker.js';
export { breakerOptionsSchema, DEFAULT_FAILURE_THRESHOLD } from './resilience/breaker-options.js';
export type { BreakerOptions, BreakerFallback, ResolvedBreakerOptions } from './resilience/breaker-options.js';
export { BREAKER_METRICS } from './resilience/breaker-metrics.js';
export { BREAKER_OUTCOMES, BREAKER_STATE_VALUES } from './resilience/types.js';
export type { BreakerState, BreakerStateChangedEvent, BreakerStats, BreakerLatency, BreakerOutcome } from './resilience/types.js';
export type { BreakerEvents, BreakerEventName } from './resilience/breaker-events.js';
export type { Logger } from './core/diagnostics.js';
export type { RecordBatchIssue, RecordBatchResult } from './metrics/seed-records.js';
export type { RollupChanges } from './storage/contract.js';
