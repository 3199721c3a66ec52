/**
 * Rollup compaction (downsampling): what the optional `compaction` storage role merges, and the
 * merge itself, shared by the built-in adapters. A compacted rollup replaces every rollup of one
 * series (name, labels, kind, service) that lies inside one span (an hour, a day) and ended long
 * enough ago, every instance's together, by one rollup over the whole span under the reserved
 * instance {@link COMPACTED_INSTANCE}. Readers need nothing new: a part longer than a slot is
 * read like another instance's longer slot. Edge-safe: no `node:` imports.
 */
import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { StorageError } from '../core/errors.js';
import type { Rollup } from './rollup.js';

/**
 * The `instance` of a compacted rollup. Reserved: a monitor must not use it as its `instanceId`.
 * A late write of a real instance into a compacted span is kept beside the compacted rollup (its
 * own instance), counted once, and merged into it by the next compaction.
 */
export const COMPACTED_INSTANCE = 'pulsewatch:compacted';

/** Shortest span a store compacts into (a minute): shorter ones would merge nothing worth it. */
export const MIN_COMPACTION_SPAN = 60_000;

/** Most rollups one `compactRollups` call merges when the request gives no `limit`. */
export const DEFAULT_COMPACTION_LIMIT = 10_000;

/** Most rollups one `compactRollups` call may be asked to merge. */
export const MAX_COMPACTION_LIMIT = 100_000;

/** What `CompactionStore.compactRollups` merges. */
export interface CompactionRequest {
  /**
   * Length of a compacted span in ms: spans are `[k * span, (k + 1) * span)` since the epoch
   * (whole UTC hours for `3_600_000`, UTC days for `86_400_000`). An integer, at least a minute.
   */
  span: number;
  /**
   * Only spans that end at or before this time (ms since the epoch). A time inside a span leaves
   * that span whole, however much of it has been written: it is taken back to the span's start.
   */
  before: number;
  /**
   * Most rollups merged away by this call (default 10,000, at most 100,000); spans past it are
   * left whole for the next call. A span is never split between calls.
   */
  limit?: number | undefined;
}

/** What `CompactionStore.compactRollups` answers. */
export interface CompactionResult {
  /** Rollups merged into compacted ones and removed. */
  merged: number;
  /** Compacted rollups written in their place. */
  written: number;
  /** False when spans to compact were left for a later call (the limit was reached, or another compaction held the store). */
  done: boolean;
}

/**
 * The request with its limit resolved and `before` moved back to a span boundary (spans that end
 * by it); a permanent StorageError naming the field when it is invalid.
 */
export function checkCompactionRequest(store: string, request: CompactionRequest): Required<CompactionRequest> {
  const { span, before } = request;
  const limit = request.limit ?? DEFAULT_COMPACTION_LIMIT;
  const fail = (field: string, rule: string): never => {
    throw new StorageError(`${store}.compactRollups: ${field} ${rule}`, { permanent: true });
  };
  if (!Number.isSafeInteger(span) || span < MIN_COMPACTION_SPAN) fail('span', `must be an integer of at least ${MIN_COMPACTION_SPAN} ms`);
  if (typeof before !== 'number' || !Number.isFinite(before)) fail('before', 'must be a finite time in ms');
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_COMPACTION_LIMIT) fail('limit', `must be an integer from 1 to ${MAX_COMPACTION_LIMIT}`);
  // Only whole spans that have ended: a `before` inside a span would merge the part of it written
  // so far (a span still open, whose later slots would then sit beside its compacted rollup).
  return { span, before: Math.floor(before / span) * span, limit };
}

/**
 * The start of the span `rollup` lies in, or undefined when it crosses a span boundary (a
 * compacted rollup of a longer span, a slot longer than the span) or ends after `before`: such a
 * rollup is left as it is.
 */
export function spanStartOf(rollup: Pick<Rollup, 'start' | 'end'>, span: number, before: number): number | undefined {
  if (rollup.end > before) return undefined;
  const start = Math.floor(rollup.start / span) * span;
  return rollup.end <= start + span ? start : undefined;
}


/** Longest `hdr` decoded by a compaction (as by the readers): a longer one counts without percentiles. */
const MAX_HDR_BASE64 = 1_048_576;

/**
 * One rollup over `[spanStart, spanStart + span)` that counts what `rollups` (one series and kind,
 * all inside the span, at least one) count: counts and sums added, the least min and the
 * greatest max (a NaN skipped, as readers skip it), `last` of the rollup that ends last (of those with one; the latest start breaks a
 * tie), `service` of the rollup that ends last (services sharing a store and a series merge, as
 * readers merge them), and for histograms the HDR histograms merged at the resolution of the latest-starting
 * rollup that has one (the window read's rule: equal resolutions merge exactly, others are
 * rescaled value by value). An `hdr` a reader would refuse (longer than 1 MiB of base64, or that
 * does not decode) is left out of the merge, as readers leave it out of percentiles; its count
 * still counts.
 */
export function mergeRollups(rollups: readonly Rollup[], spanStart: number, span: number): Rollup {
  const first = rollups[0]!;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let last: Rollup | undefined;
  let latest = first;
  let resolutionOf: Rollup | undefined;
  for (const r of rollups) {
    count += r.count;
    sum += r.sum;
    // As readers compare: a NaN min or max is skipped, never erasing the others'.
    if (r.min < min) min = r.min;
    if (r.max > max) max = r.max;
    if (r.end > latest.end || (r.end === latest.end && r.start >= latest.start)) latest = r;
    if (r.last !== undefined && (last === undefined || r.end > last.end || (r.end === last.end && r.start >= last.start))) last = r;
    if (r.hdr !== undefined && r.resolution !== undefined && (resolutionOf === undefined || r.start >= resolutionOf.start)) resolutionOf = r;
  }
  const out: Rollup = { name: first.name, kind: first.kind, labels: { ...first.labels }, start: spanStart, end: spanStart + span, count, sum, min, max };
  if (last !== undefined) out.last = last.last;
  if (first.kind === 'histogram' && resolutionOf !== undefined) {
    const merged = mergeHdr(rollups, resolutionOf.resolution!);
    if (merged !== undefined) {
      out.hdr = merged;
      out.resolution = resolutionOf.resolution;
    }
  }
  if (latest.service !== undefined) out.service = latest.service;
  out.instance = COMPACTED_INSTANCE;
  return out;
}

/** The HDR histograms of `rollups` merged at `resolution`, encoded; undefined when none decodes. */
function mergeHdr(rollups: readonly Rollup[], resolution: number): string | undefined {
  const decoded: { h: JsHistogram; factor: number }[] = [];
  let digits = 0;
  for (const r of rollups) {
    if (r.hdr === undefined || r.resolution === undefined || r.hdr.length > MAX_HDR_BASE64) continue;
    let h: JsHistogram;
    try {
      h = hdr.decodeFromCompressedBase64(r.hdr, 32) as unknown as JsHistogram;
    } catch {
      continue;
    }
    decoded.push({ h, factor: r.resolution / resolution });
    digits = Math.max(digits, h.numberOfSignificantValueDigits);
  }
  if (decoded.length === 0) return undefined;
  const target = hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: Math.min(5, Math.max(1, digits)) as 1 | 2 | 3 | 4 | 5,
  }) as unknown as JsHistogram;
  for (const { h, factor } of decoded) {
    if (factor === 1) target.add(h);
    else {
      for (let i = 0; i < h.countsArrayLength; i++) {
        const c = h.getCountAtIndex(i);
        if (c > 0) target.recordValueWithCount(Math.max(0, Math.round(h.valueFromIndex(i) * factor)), c);
      }
    }
  }
  return hdr.encodeIntoCompressedBase64(target as unknown as hdr.Histogram);
}

/**
 * Groups the rollups of one series by span, keeping the groups worth merging (two rollups or
 * more, of one kind: a series written with two kinds in one span is left as it is), oldest span
 * first. `rollups` must be all the series' rollups that start by `before` (not only those inside
 * spans): a span where the series already has a compacted rollup starting at the span's start that
 * is not inside the span (a coarser span's, a day over an hour) is left for the coarser tier,
 * since its compacted rollup would have the same key (series, start, instance) and replace it.
 */
export function compactionGroups(rollups: Iterable<Rollup>, span: number, before: number): { spanStart: number; rollups: Rollup[] }[] {
  const groups = new Map<number, { spanStart: number; rollups: Rollup[] }>();
  const taken = new Set<number>();
  for (const r of rollups) {
    const spanStart = spanStartOf(r, span, before);
    if (spanStart === undefined) {
      if (r.instance === COMPACTED_INSTANCE) taken.add(r.start);
      continue;
    }
    let g = groups.get(spanStart);
    if (g === undefined) groups.set(spanStart, (g = { spanStart, rollups: [] }));
    g.rollups.push(r);
  }
  return [...groups.values()].filter((g) => !taken.has(g.spanStart) && worthMerging(g)).sort((a, b) => a.spanStart - b.spanStart);
}

/** Two rollups or more, all of one kind. */
export function worthMerging(g: { rollups: readonly Pick<Rollup, 'kind'>[] }): boolean {
  return g.rollups.length > 1 && g.rollups.every((r) => r.kind === g.rollups[0]!.kind);
}
