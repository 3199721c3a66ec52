import type { CapabilityContext } from '../capability.js';
import { StoredRollupCache } from '../metrics/window-query-cache.js';
import { KeptRollups } from '../metrics/window-query-kept.js';
import { RingCache } from '../metrics/window-query-ring.js';
import type { NormalizedCondition } from './rule-schema.js';
import { PostingsCache } from './window-groups.js';
import { WindowReader } from './window-reader.js';

// What the rule engine keeps of the metrics' windows from one evaluation tick to the next, apart
// from the evaluator (rule-evaluator.ts), which keeps the alerts' states.

/**
 * How long after its slot ends a rollup may reach the store and still be seen at the next tick,
 * beyond two slot lengths: a default 30 s flush and the write's own time. A later one (a writer
 * whose store was down, a longer flush interval) is seen at the next full read.
 */
const STORE_LATENESS = 60_000;
/** Longest time between two full reads of a metric's window (see docs/fleet.md). */
const FULL_READ_EVERY = 5 * 60_000;
/** Most metrics whose stored rollups are kept between ticks. */
const MAX_CACHED_METRICS = 1_000;
/** Most series of one metric kept between ticks (past it the metric is read whole at each tick). */
const MAX_KEPT_SERIES = 200_000;

/**
 * The window data kept between the ticks of an evaluating instance: every instance's stored
 * rollups (by range re-reads, or in place from a store's change log) and this process's
 * histogram rings decoded once a slot, and the label postings of each metric's series. A tick reads through a {@link WindowReader} made here;
 * what no rule read in a tick is let go, and everything when another instance evaluates.
 */
export class TickCaches {
  /** Stored rollups kept between ticks: a tick re-reads the recent slots, not the whole window. */
  private readonly stored: StoredRollupCache;
  /** Stored series kept between ticks for stores with a change log, updated in place from it. */
  private readonly kept: KeptRollups;
  /** This process's histogram slots, each closed one decoded once for every tick that reads it. */
  private readonly rings = new RingCache();
  /** Label postings and alert groups of each metric's series, as positions. */
  private readonly postings = new PostingsCache();

  constructor(private readonly ctx: CapabilityContext) {
    this.stored = new StoredRollupCache({ lateness: 2 * ctx.metricContext.slotLength + STORE_LATENESS, refreshEvery: FULL_READ_EVERY, maxMetrics: MAX_CACHED_METRICS });
    this.kept = new KeptRollups({ refreshEvery: FULL_READ_EVERY, maxMetrics: MAX_CACHED_METRICS, maxSeries: MAX_KEPT_SERIES });
  }

  /** The reader of one tick at `ts` for `conditions` (their widest ranges decide what the store reads cover). */
  reader(ts: number, conditions: Iterable<NormalizedCondition>): WindowReader {
    return new WindowReader(this.ctx, ts, conditions, this.stored, this.kept, this.rings, this.postings);
  }

  /** Lets go of what `reader` did not read (no rule read it this tick). */
  retain(reader: WindowReader): void {
    const names = reader.names;
    this.stored.retain(names);
    this.kept.retain(names);
    this.postings.retain(names);
  }

  /** Lets go of everything (another instance evaluates; the next tick here reads afresh). */
  clear(): void {
    this.stored.clear();
    this.kept.clear();
    this.rings.clear();
    this.postings.clear();
  }
}
