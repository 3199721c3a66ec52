/**
 * Which series count as errors by default: what a time series' `errorRate` and the alert rules'
 * `errorRate` without `errorLabels` (alerts/evaluate-conditions.ts `errorMatcher`) both use.
 */

const ERROR_STATUS = /^(?:5\d\d|5xx|failure|failed|error|errored|timeout)$/i;

/**
 * True for a series of failed requests or runs: `success="false"`, or a `status`, `statusCode`,
 * `status_code` or `outcome` that is a 5xx code, `5xx`, failure, failed, error, errored or timeout.
 */
export function isErrorSeries(labels: Readonly<Record<string, string>>): boolean {
  if (Object.hasOwn(labels, 'success') && labels.success === 'false') return true;
  for (const name of ['status', 'statusCode', 'status_code', 'outcome']) {
    if (Object.hasOwn(labels, name) && ERROR_STATUS.test(labels[name]!)) return true;
  }
  return false;
}
