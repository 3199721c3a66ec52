/**
 * Which series count as errors by default: what a time series' `errorRate` and the alert rules'
 * `errorRate` without `errorLabels` (alerts/evaluate-conditions.ts `errorMatcher`) both use.
 */

const ERROR_STATUS = /^(?:5\d\d|5xx|failure|failed|error|errored|timeout)$/i;

/**
 * The labels whose value says a request or run failed. `code` is Prometheus' convention
 * (`http_requests_total{code="500"}`), `status_class` the grouped form (`5xx`).
 */
export const ERROR_STATUS_LABELS: readonly string[] = ['status', 'statusCode', 'status_code', 'code', 'status_class', 'outcome'];

/**
 * True for a series of failed requests or runs: `success="false"`, or a `status`, `statusCode`,
 * `status_code`, `code`, `status_class` or `outcome` that is a 5xx code, `5xx`, failure, failed,
 * error, errored or timeout.
 */
export function isErrorSeries(labels: Readonly<Record<string, string>>): boolean {
  if (Object.hasOwn(labels, 'success') && labels.success === 'false') return true;
  for (const name of ERROR_STATUS_LABELS) {
    if (Object.hasOwn(labels, name) && ERROR_STATUS.test(labels[name]!)) return true;
  }
  return false;
}
