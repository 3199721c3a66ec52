import type { RollupStamps } from '../storage/instance.js';
import type { KeptSeries } from './window-query-columns.js';
import type { StoredSeries } from './window-query-series.js';
import type { WindowPart, WindowSeries } from './window-query-types.js';

// What the rule engine's window build keeps of this process's histogram series from one tick to
// the next. Each of its series meets its own stored rollups at every build (a series recorded
// here is flushed here): ~11 parts each matched to the ring slot it stands for and skipped, or
// built into a part object (the slot that left the ring), for 3,334 series of the fleet bench
// at every tick. While nothing it was built from changed, the series built at the last tick is
// the one this tick builds, and is taken again as it is.

/** A series of a window being built, as the reuse reads it (window-query-build.ts' entries). */
export interface ReusableEntry extends WindowSeries {
  readonly parts: readonly WindowPart[];
  /** The stored series merged into it at its build (undefined: none). */
  st: StoredSeries | undefined;
  /** The build that took it again as it is (see {@link BuildReuse}); 0: none. */
  reusedAt: number;
}

/** What a series of this process was built from: while all of it holds, the build is the same. */
export interface EntryRecord {
  entry: ReusableEntry;
  name: string;
  /** Its ring view's version (a slot closed since: another). */
  ring: number;
  /**
   * The stored series list it was merged with, by {@link storedListId} (a kept metric's own
   * array: another when a series left or the metric was read whole). An id, not the array: a
   * record lives as long as its series, and the array holds every instance's stored data of the
   * metric, which a metric no rule reads any more must let go of (review R3).
   */
  stored: number;
  st: KeptSeries;
  stVersion: number;
  from: number;
  end: number;
  /** The earliest end of its parts: a range starting at or after it drops one. */
  partsEnd: number;
  stamps: RollupStamps;
}

let builds = 0;

/** Ids of stored series lists (see {@link EntryRecord.stored}); weak: a list no build reads goes. */
const listIds = new WeakMap<readonly StoredSeries[], number>();
let lists = 0;

/** The id of a stored series list: the same for the same array object, another for any other. */
export function storedListId(stored: readonly StoredSeries[]): number {
  let id = listIds.get(stored);
  if (id === undefined) listIds.set(stored, (id = ++lists));
  return id;
}

/** A build's number, for {@link ReusableEntry.reusedAt}. */
export function nextBuild(): number {
  return ++builds;
}

/**
 * The series built at the last build from the same sources, when it holds for this one: the
 * same ring (no slot closed), the same stored series unchanged (the kept list is the same array,
 * so no series of its labels came or went), a range that drops none of its parts and adds none
 * (the start only moved on, the end is the same), the same stamps; and no rollup of the metric
 * waiting in the recorder (the caller's check). Undefined otherwise.
 */
export function reusable(record: EntryRecord | undefined, name: string, ring: number, stored: number, from: number, end: number, stamps: RollupStamps): ReusableEntry | undefined {
  if (record === undefined) return undefined;
  if (record.name !== name || record.ring !== ring || record.stored !== stored || record.st.version !== record.stVersion) return undefined;
  if (from < record.from || from >= record.partsEnd || end !== record.end || record.stamps !== stamps) return undefined;
  return record.entry;
}

/** Records on `view` what its series' entry was built from (the view's record object is written again: none made a tick). */
export function record(view: { built: EntryRecord | undefined }, entry: ReusableEntry, name: string, ring: number, stored: number, st: KeptSeries, from: number, end: number, stamps: RollupStamps): void {
  const r = view.built;
  const ends = partsEnd(entry.parts);
  if (r === undefined) {
    view.built = { entry, name, ring, stored, st, stVersion: st.version, from, end, partsEnd: ends, stamps };
    return;
  }
  r.entry = entry;
  r.name = name;
  r.ring = ring;
  r.stored = stored;
  r.st = st;
  r.stVersion = st.version;
  r.from = from;
  r.end = end;
  r.partsEnd = ends;
  r.stamps = stamps;
}

/** The earliest end of `parts` (Infinity: none). */
export function partsEnd(parts: readonly WindowPart[]): number {
  let end = Infinity;
  for (let i = 0; i < parts.length; i++) if (parts[i]!.end < end) end = parts[i]!.end;
  return end;
}
