import { LimitError } from '../core/errors.js';
import type { MetricWindow } from '../metrics/window-query.js';

/**
 * Most slots one report merges: rollups and memory slots of every series of every metric, over
 * the period and the previous one (series x range). Merging them runs on the event loop without
 * a break (see docs/reports.md, Cost), so it is bounded: 250,000 is above a 30-day report over
 * hourly rollups of 100 series (144,000) and about a second of CPU on the machine measured.
 */
export const MAX_REPORT_SLOTS = 250_000;

/** Most reports one monitor computes at once; more are refused (`LimitError`, HTTP 429). */
export const MAX_CONCURRENT_REPORTS = 2;

/** Reports running, per monitor (keyed by its metric context: collected with it). */
const running = new WeakMap<object, number>();

/**
 * Runs `report` unless {@link MAX_CONCURRENT_REPORTS} reports of the monitor owning `key` are
 * running: then rejects with a `LimitError` whose `limit` is `report.maxConcurrent`.
 */
export async function oneOfFewReports<T>(key: object, report: () => Promise<T>): Promise<T> {
  const now = running.get(key) ?? 0;
  if (now >= MAX_CONCURRENT_REPORTS) {
    throw new LimitError('report.maxConcurrent', MAX_CONCURRENT_REPORTS, `${now} performance reports are being computed by this monitor, the most at once (${MAX_CONCURRENT_REPORTS}); try again when one finished`);
  }
  running.set(key, now + 1);
  try {
    return await report();
  } finally {
    const left = (running.get(key) ?? 1) - 1;
    if (left > 0) running.set(key, left);
    else running.delete(key);
  }
}

/**
 * Throws a `LimitError` (`limit`: `report.maxSlots`) when the windows read hold more than
 * {@link MAX_REPORT_SLOTS} slots with data, before any is merged.
 */
export function checkReportSize(windows: readonly MetricWindow[]): void {
  let slots = 0;
  for (const w of windows) {
    for (const s of w.series) {
      slots += s.parts.length;
      for (const slot of s.slots) if (slot.count > 0) slots++;
    }
  }
  if (slots > MAX_REPORT_SLOTS) {
    throw new LimitError(
      'report.maxSlots',
      MAX_REPORT_SLOTS,
      `the report would merge ${slots} slots (series x range over both periods), more than the most one report merges (${MAX_REPORT_SLOTS}); ask for fewer metrics, a label filter or a shorter period, or keep longer slots (histogram.slotLength)`,
    );
  }
}
