import { StateMerger } from './merge.js';
import type { FamilyState } from './state.js';

/**
 * The counters and histograms of workers that exited, merged into one state: a merged total
 * that dropped when a worker went would read as a counter reset to Prometheus (and `rate()`
 * would count the whole remaining total again). Gauges are not kept: they describe a process
 * that is gone. Bounded by `max` series.
 */
export class RetiredStates {
  /** The kept state, merged into every scrape. */
  states: FamilyState[] = [];

  constructor(private readonly max: number) {}

  /** Keeps `state`'s counters and histograms; returns how many new series did not fit (all of them then go). */
  keep(state: readonly FamilyState[]): number {
    const merger = new StateMerger();
    merger.add('exited', this.states);
    const before = merger.seriesCount;
    merger.add('exited', state.filter((f) => f.kind !== 'gauge'));
    if (merger.seriesCount > this.max) return merger.seriesCount - before;
    this.states = merger.toStates();
    return 0;
  }
}
