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

/** Aligns `ms` to a multiple of `step` (`round`: `Math.ceil` up). */
function align(ms: number, step: number, round: (x: number) => number): number {
  return round(ms / step) * step;
}

const DAY = 86_400_000;

/** The largest valid Date (ECMAScript: 8.64e15 ms after the epoch). */
const MAX_DATE = 8.64e15;

function invalid(path: string, message: string): ValidationError {
  return new ValidationError(`invalid performance report query: ${path}: ${message}`, [{ path, message }]);
}

/**
 * The range of a query at `now`. `period` alone: the period ending now; with `from` or `to`
 * only: the period starting or ending there; `from` and `to`: that range (`period` labels it).
 * Nothing: the last day. Throws a {@link ValidationError} naming `from` when it is not before
 * `to`, and `to` when the range is longer than {@link MAX_REPORT_RANGE}; one naming `from` when
 * it starts before the epoch, and `to` when it ends past the largest valid date.
 *
 * With `slotLength`, both bounds move up to the next slot boundary (unless on one; `to` at most
 * to the largest valid date): data is kept per slot and a slot belongs to the period it starts
 * in, so the range is then exactly the slots it counts, adjacent ranges share none, and a rate
 * divides by the time they cover. A range inside one slot becomes that slot. The previous period
 * has the aligned length. The checks above apply to the range asked for.
 */
export function reportRange(q: ResolvedPerformanceReportQuery, now: number, slotLength?: number): ReportRange {
  const period = q.period ?? (q.from !== undefined && q.to !== undefined ? undefined : 'daily');
  const length = period === undefined ? undefined : REPORT_PERIODS[period];
  let from: number;
  let to: number;
  if (q.from !== undefined && q.to !== undefined) {
    from = q.from;
    to = q.to;
  } else if (q.from !== undefined) {
    from = q.from;
    to = from + length!;
  } else if (q.to !== undefined) {
    to = q.to;
    from = to - length!;
  } else {
    to = now;
    from = now - length!;
  }
  // Each bound is a valid date: named after the field given (a derived bound after the one it came from).
  const fromField = q.from === undefined && q.to !== undefined ? 'to' : 'from';
  const toField = q.to === undefined && q.from !== undefined ? 'from' : 'to';
  if (from < 0) throw invalid(fromField, `the range must start at or after 1970-01-01T00:00:00.000Z, got ${from} ms`);
  if (to > MAX_DATE) throw invalid(toField, `the range must end at or before ${new Date(MAX_DATE).toISOString()}, got ${to} ms`);
  if (!(from < to)) throw invalid('from', `must be before to (from ${new Date(from).toISOString()}, to ${new Date(to).toISOString()})`);
  if (to - from > MAX_REPORT_RANGE) throw invalid('to', `the range may cover at most ${MAX_REPORT_RANGE / DAY} days, got ${((to - from) / DAY).toFixed(1)}`);
  if (slotLength !== undefined && slotLength > 0) {
    const alignedTo = align(to, slotLength, Math.ceil);
    from = Math.min(align(from, slotLength, Math.ceil), alignedTo - slotLength);
    to = Math.min(MAX_DATE, alignedTo);
  }
  return { period: period ?? 'custom', from, to, previousFrom: from - (to - from) };
}
