/**
 * Time series reads (`monitor.getTimeSeries`): points per step over [from, to), read through
 * the window query. Placeholder until issue 18 item 3 lands here.
 */
import type { WindowQuerySources } from './window-query.js';

/** Which points {@link timeSeries} returns. */
export interface TimeSeriesQuery {
  name: string;
}

/** The points of one metric over a range. */
export interface TimeSeries {
  name: string;
}

/** Points per step of a metric over a range, over every instance's data. */
export async function timeSeries(src: WindowQuerySources, query: TimeSeriesQuery): Promise<TimeSeries> {
  void src;
  throw new Error(`getTimeSeries(${query.name}) is not implemented yet`);
}
