/**
 * `pulsewatch/node`: parts that need Node.js APIs. Kept out of the main entry so that one
 * bundles for edge runtimes.
 * @module
 */
export { httpMetrics, templateRoute, httpMetricsOptionsSchema } from './integrations/node-http.js';
export type { HttpMetricsOptions, HttpMetricsHook } from './integrations/node-http.js';
