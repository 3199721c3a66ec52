import { matchesLabels, type Labels } from '../core/labels.js';
import type { MetricKind, Rollup } from '../storage/contract.js';
import { partOf, type StoredSeries } from './window-query-series.js';
import { END, F, isKept, START } from './window-query-columns.js';
import type { WindowPart } from './window-query-window.js';

/** The kind of the newest wanted rollup (a name reused for another kind reads as its latest use). */
export function newestKind(stored: readonly StoredSeries[], pending: readonly Rollup[], name: string, labels: Labels | undefined, inRange: (p: WindowPart) => boolean): MetricKind | undefined {
  let kind: MetricKind | undefined;
  let at = -Infinity;
  for (const st of stored) {
    if (!matchesLabels(st.labels, labels)) continue;
    if (isKept(st)) {
      // Columns: the newest part's start and kind, without building part objects.
      for (let i = 0; i < st.n; i++) {
        const start = st.cols[i * F + START]!;
        if (start >= at && inRange({ start, end: st.cols[i * F + END]! } as WindowPart)) {
          at = start;
          kind = st.kindAt(i);
        }
      }
      continue;
    }
    for (const p of st.parts) {
      if (p.start >= at && inRange(p)) {
        at = p.start;
        kind = p.kind;
      }
    }
  }
  for (const r of pending) {
    if (r.name === name && r.start >= at && matchesLabels(r.labels, labels) && inRange(partOf(r))) {
      at = r.start;
      kind = r.kind;
    }
  }
  return kind;
}
