/**
 * Ranges of time as `getAggregatedMetrics`, `getTimeSeries` and reports take them: `from`/`to`
 * (epoch ms, an ISO 8601 string or a Date) or a relative `window` ending at `to` (default now).
 * One place decides how they combine and what is refused, so every reader answers the same.
 */
import { z } from 'zod';
import { positiveDurationSchema, shown } from '../core/duration.js';
import { ValidationError } from '../core/errors.js';
import { validationErrorOf } from '../core/options.js';

/** The latest instant a Date can hold (ms): anything later is no date. */
const MAX_INSTANT = 8.64e15;

/** The longest range read: 366 days (a leap year; monthly reports and their previous month fit easily). */
export const MAX_RANGE_MS = 366 * 86_400_000;

/** The default window: the last 5 minutes, as `getAggregatedMetrics` always read. */
export const DEFAULT_WINDOW_MS = 300_000;

// ISO 8601 as JSON and `Date#toISOString` write it: a date (`2024-01-15`, UTC midnight) or a date
// and time with `Z` or an offset. `Date.parse` alone would read "1" or "May 5" as dates.
const isoInstant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((v) => Date.parse(/T/.test(v) ? v : `${v}T00:00:00Z`));

/**
 * An instant: epoch milliseconds, an ISO 8601 string (`'2024-01-15T10:30:00Z'`, with an offset,
 * or a date `'2024-01-15'` read as UTC midnight) or a `Date`. Produces epoch ms.
 */
export const instantSchema = z
  // One custom check, not a union: NaN and an invalid Date get the same message as a bad string.
  .custom<number | string | Date>()
  .transform((v: unknown, ctx) => {
    let ms = Number.NaN;
    if (v instanceof Date) ms = v.getTime();
    else if (typeof v === 'number') ms = v;
    else if (typeof v === 'string' && v.length <= 40) {
      const parsed = isoInstant.safeParse(v.trim());
      if (parsed.success) ms = parsed.data;
    }
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_INSTANT) {
      ctx.addIssue({ code: 'custom', message: `expected epoch ms, an ISO 8601 date-time (e.g. '2024-01-15T10:30:00Z') or a Date, got ${v instanceof Date ? 'an invalid Date' : shown(v)}` });
      return z.NEVER;
    }
    return Math.floor(ms);
  });

/** An instant as callers pass it. */
export type Instant = z.input<typeof instantSchema>;

/** Most label matchers a read takes (as `snapshot`'s filter). */
export const MAX_MATCHERS = 32;

/**
 * Label matchers of a read: series whose labels include all of these. Values have no length of
 * their own: the series index bounds a label set as a whole (`limits.maxLabelSetLength`, names
 * and values together, set per monitor), so a series may hold a value of any length another
 * instance's limit allowed; a matcher longer than every value matches nothing.
 */
export const matchersSchema = z
  // Counted and checked before the record is parsed: a flood of matchers is refused at its size,
  // and `__proto__` (which a parsed record would drop, widening the read) is named.
  .custom<Record<string, string>>()
  .superRefine((labels, ctx) => {
    if (typeof labels !== 'object' || labels === null) return; // the record names it
    if (Object.keys(labels).length > MAX_MATCHERS) ctx.addIssue({ code: 'custom', message: `at most ${MAX_MATCHERS} labels` });
    else if (Object.hasOwn(labels, '__proto__')) ctx.addIssue({ code: 'custom', path: ['__proto__'], message: 'is not a label name (names starting with "__" are reserved)' });
  })
  .pipe(z.record(z.string().max(200), z.string()));

/**
 * Parses a read's query with `schema`: a `ValidationError` naming each failing field, also when
 * reading the input throws (a throwing getter or Proxy: the read rejects with the error, never
 * with the foreign one).
 */
export function parseReadQuery<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  let parsed: ReturnType<S['safeParse']>;
  try {
    parsed = schema.safeParse(input) as ReturnType<S['safeParse']>;
  } catch (cause) {
    throw new ValidationError(`invalid ${what}: it could not be read`, [{ path: '', message: 'could not be read (a getter or Proxy threw)' }], { cause });
  }
  if (!parsed.success) throw validationErrorOf(`invalid ${what}`, parsed.error.issues, 'query');
  return parsed.data as z.output<S>;
}

/** The range fields of a query: `window`, or `from` (and `to`), or nothing (the default window to now). */
export const rangeFields = {
  /** How far back from `to` (default 5 minutes, when `from` is not given); greater than 0. Not with `from`. */
  window: positiveDurationSchema.optional(),
  /** Range start (inclusive); before `to` and before now. Not with `window`. */
  from: instantSchema.optional(),
  /** Range end (exclusive; default now). A `to` later than now reads up to now. */
  to: instantSchema.optional(),
};

/** A resolved range, in epoch ms: `from < to <= now`. */
export interface TimeRange {
  from: number;
  to: number;
}

/**
 * Resolves the parsed range fields against `now`, in whole milliseconds (a fractional `window`
 * starts the range at the millisecond before: `0.5` reads 1 ms). Throws a `ValidationError`
 * naming the field: `window` given with `from`; `from` not before `to`; `from` not before now (a
 * range in the future); a range starting before the epoch (`window`, or `to` with the default
 * window: `to=0` would start 5 minutes before 1970); a range longer than {@link MAX_RANGE_MS}. A
 * `to` later than now is read as now.
 */
export function resolveRange(fields: { window?: number | undefined; from?: number | undefined; to?: number | undefined }, now: number, what: string, defaultWindow = DEFAULT_WINDOW_MS): TimeRange {
  const { window, from } = fields;
  const issue = (path: string, message: string) => validationErrorOf(`invalid ${what}`, [{ path: [path], message }], 'query');
  if (window !== undefined && from !== undefined) throw issue('window', 'give either window or from, not both');
  const to = Math.floor(Math.min(fields.to ?? now, now));
  if (from !== undefined) {
    if (fields.to !== undefined && from >= fields.to) throw issue('from', `must be before to (${iso(fields.to)}), got ${iso(from)}`);
    if (from >= to) throw issue('from', `must be before now (${iso(now)}): the range is in the future, got ${iso(from)}`);
  }
  const start = from ?? Math.floor(to - (window ?? defaultWindow));
  if (start < 0) throw issue(window !== undefined ? 'window' : 'to', `the range would start before the epoch (1970-01-01T00:00:00Z): ${window !== undefined ? `a window of ${window} ms` : `the default window (${defaultWindow} ms)`} back from ${iso(to)} starts at ${start} ms`);
  if (to - start > MAX_RANGE_MS) throw issue(from !== undefined ? 'from' : 'window', `the range may span at most 366 days, got ${Math.ceil((to - start) / 86_400_000)} days`);
  return { from: start, to };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
