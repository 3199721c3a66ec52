import { ValidationError } from '../core/errors.js';
import { MAX_REPORT_RANGE, REPORT_PERIODS, type ReportPeriod, type ResolvedPerformanceReportQuery } from './options.js';

/** The range a report covers, and the previous range of equal length its trends compare with. */
export interface ReportRange {
  /** The period asked for; `'custom'` for an explicit `from`-`to` without one. */
  period: ReportPeriod | 'custom';
  /** Start (inclusive, ms). */
  from: number;
  /** End (exclusive, ms). */
  to: number;
  /** Start of the previous period: `from - (to - from)`. */
  previousFrom: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY = 86_400_000;

/** ms of an instant; a date alone as `to` is the end of that day (exclusive: the next midnight, UTC). */
function instant(value: number | string | Date, isEnd: boolean): number {
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  const ms = Date.parse(value);
  return isEnd && DATE_ONLY.test(value.trim()) ? ms + DAY : ms;
}

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(`invalid performance report query: ${path}: ${message}`, [{ path, message }]);
}

/**
 * The range of a query at `now`. `period` alone: the period ending now; with `from` or `to`
 * only: the period starting or ending there; `from` and `to`: that range (`period` labels it).
 * Nothing: the last day. Throws a {@link ValidationError} naming `from` when it is not before
 * `to`, and `to` when the range is longer than {@link MAX_REPORT_RANGE}.
 */
export function reportRange(q: ResolvedPerformanceReportQuery, now: number): ReportRange {
  const period = q.period ?? (q.from !== undefined && q.to !== undefined ? undefined : 'daily');
  const length = period === undefined ? undefined : REPORT_PERIODS[period];
  let from: number;
  let to: number;
  if (q.from !== undefined && q.to !== undefined) {
    from = instant(q.from, false);
    to = instant(q.to, true);
  } else if (q.from !== undefined) {
    from = instant(q.from, false);
    to = from + length!;
  } else if (q.to !== undefined) {
    to = instant(q.to, true);
    from = to - length!;
  } else {
    to = now;
    from = now - length!;
  }
  if (!Number.isFinite(from) || !Number.isFinite(to)) throw invalid(Number.isFinite(from) ? 'to' : 'from', 'must be a valid instant');
  if (!(from < to)) throw invalid('from', `must be before to (from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`);
  if (to - from > MAX_REPORT_RANGE) throw invalid('to', `the range may cover at most ${MAX_REPORT_RANGE / DAY} days, got ${((to - from) / DAY).toFixed(1)}`);
  return { period: period ?? 'custom', from, to, previousFrom: from - (to - from) };
}
