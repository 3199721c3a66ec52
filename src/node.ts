/**
 * `pulsewatch/node`: parts that need Node.js APIs. Kept out of the main entry so that one
 * bundles for edge runtimes.
 * @module
 */
export { httpMetrics } from './integrations/node-http.js';
export type { HttpMetricsOptions, HttpMetricsHook } from './integrations/node-http.js';
export { createNodeMonitoringHandler } from './integrations/node-handler.js';
export type { NodeMonitoringHandler } from './integrations/node-handler.js';
export { checks } from './system/checks.js';
export type { MemoryCheckOptions, EventLoopCheckOptions, DiskCheckOptions } from './system/checks.js';
export { systemMonitor } from './system/system-monitor.js';
export type { SystemMonitor, SystemSnapshot, SystemMonitorHost } from './system/system-monitor.js';
export type { SystemMonitorOptions, ResolvedSystemMonitorOptions, SystemThresholds, SystemThresholdsInput } from './system/options.js';
export type { SystemStatus, SystemIssue } from './system/status.js';
export type { SystemReadings, CpuReadings, MemoryReadings, EventLoopReadings, DiskReadings } from './system/readings.js';
export { emailNotifier } from './notifiers/email.js';
export type { EmailNotifierOptions, EmailNotifier, EmailTransport, EmailMessage, SmtpOptions } from './notifiers/email.js';
export { attachWorkers } from './cluster/attached-workers.js';
export type { AttachedWorkers, AttachHost, ClusterExportOptions, ClusterAggregatedMetrics, WorkerFlushReport, FlushMiss } from './cluster/attached-workers.js';
export { reportToPrimary } from './cluster/report.js';
export type { ReportingMonitor } from './cluster/report.js';
export { primaryStorage } from './cluster/primary-storage.js';
export type { PrimaryStorage } from './cluster/primary-storage.js';
export { clusterMetricsHandler } from './cluster/handler.js';
export type { ClusterMetricsHandler, ClusterMetricsHandlerOptions } from './cluster/handler.js';
export type { AttachWorkersOptions, ResolvedAttachWorkersOptions, ReportToPrimaryOptions, PrimaryStorageOptions } from './cluster/options.js';
export type { GaugeMerge } from './cluster/merge.js';
export type { MissOp, MissReason } from './cluster/misses.js';
export type { WorkerHandle } from './cluster/endpoint.js';
export { serveMetrics, DEFAULT_METRICS_PORT } from './integrations/instrument/metrics-server.js';
export type { ServeMetricsOptions, MetricsServer } from './integrations/instrument/metrics-server.js';
