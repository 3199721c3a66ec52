/**
 * `pulsewatch/next`: Next.js App Router integration. `withPerformanceTracking` wraps a route
 * handler to record request metrics; `createMonitoringRoute` serves the monitoring HTTP API from
 * one catch-all route file. Web `Request`/`Response` only, with nothing imported from `next` or
 * `node:`, so both run on the Node.js and the edge runtime.
 * @module
 */
export { withPerformanceTracking } from './integrations/next/performance-tracking.js';
export type { NextPerformanceTrackingOptions, RouteHandler } from './integrations/next/performance-tracking.js';
export { createMonitoringRoute, MONITORING_ROUTE_BASE_PATH } from './integrations/next/monitoring-route.js';
export type { MonitoringRouteOptions, MonitoringRoute, MonitoringRouteHandler } from './integrations/next/monitoring-route.js';
