import type { Monitor } from '../../monitor.js';

/**
 * What the monitoring routes use of a monitor: public `Monitor` members only, so the HTTP API can
 * do nothing a user's own handler could not. `options` gives `limits.maxIssues` (issues listed in
 * an error body); `scrape` is `GET /metrics`' text (a cluster primary's merged one);
 * `reportError` puts a route's own failure (a throwing authorizer, a bug) on the `error` event;
 * `getMetrics`, `storage` and `clock` give `GET /metrics/names` this process's metrics and the store's names.
 */
export type MonitoringHost = Pick<
  Monitor,
  'options' | 'alerts' | 'health' | 'snapshot' | 'recordMetrics' | 'getAggregatedMetrics' | 'scrape' | 'reportError' | 'getTimeSeries' | 'generatePerformanceReport' | 'getMetrics' | 'storage' | 'clock'
>;
