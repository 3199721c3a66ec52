import type { Monitor } from 'pulsewatch';

export { deferred, type Deferred } from './deferred.js';

/** Value of one sample line of the Prometheus text, or undefined when the series is absent. */
export function sample(monitor: Monitor, series: string): number | undefined {
  const line = monitor
    .exportPrometheusMetrics()
    .split('\n')
    .find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** `http_requests_total` of one method, route and status. */
export function requests(monitor: Monitor, route: string, status: string, method = 'GET'): number | undefined {
  return sample(monitor, `http_requests_total{method="${method}",route="${route}",status="${status}"}`);
}

/** The `http_requests_in_flight` gauge. */
export function inFlight(monitor: Monitor): number | undefined {
  return sample(monitor, 'http_requests_in_flight');
}
