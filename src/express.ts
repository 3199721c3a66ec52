/**
 * `pulsewatch/express`: Express integration. `metricsMiddleware` records request counts,
 * durations and in-flight requests by route template. Express is an optional peer dependency:
 * only its types are used, nothing from it is loaded at runtime, and Express 4 and 5 both work.
 * @module
 */
export { metricsMiddleware } from './integrations/express/metrics-middleware.js';
export type { MetricsMiddlewareOptions } from './integrations/express/metrics-middleware.js';

export { monitoringRouter } from './integrations/express/monitoring-router.js';
