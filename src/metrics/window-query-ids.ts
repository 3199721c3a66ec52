import { seriesKey, type Labels } from '../core/labels.js';
import { hashLabels } from './window-query-series.js';

/**
 * `seriesKey` and label hash of in-memory series, computed once per labels object (those of
 * evicted series are collected). Keyed by the labels, not the series: a snapshot builds from a
 * capture of each series, a new object every call, while the labels object is the live series'
 * own. A series index makes one per series and never changes it (a series removed and made again
 * keeps its object, labels included), so an id read here is always the one of its labels.
 */
const keys = new WeakMap<object, SeriesId>();

/**
 * The `seriesKey` and label hash of an in-memory series' labels, computed once per labels object
 * (see {@link keys}): the object must not change once read here, as a series' labels never do.
 */
export function seriesIdOf(labels: Labels): SeriesId {
  let id = keys.get(labels);
  if (id === undefined) keys.set(labels, (id = { key: seriesKey(labels), hash: hashLabels(labels) }));
  return id;
}

/** What {@link seriesIdOf} keeps of a label set. */
export type SeriesId = { readonly key: string; readonly hash: number };
