import { DECODED, R, type KeptSeries } from './window-query-columns.js';
import type { DecodedHistograms } from './window-query-decode.js';
import type { MemoPart, WindowPart, WindowScale } from './window-query-types.js';

// The decoded bucket counts range stats (window-query-stats.ts) read of a rollup part, kept on
// the part (or beside a kept series' columns) once decoded, apart from the loop that reads them.

/** Decoded bucket counts of a rollup part (null without an `hdr`, or when it cannot be decoded). */
export function pairsOf(scope: { readonly scale: WindowScale; readonly decoded: DecodedHistograms }, part: WindowPart): Float64Array | null {
  if (part.hdr === undefined) return null;
  const { layout, resolution } = scope.scale;
  // Parts kept between reads (the rule engine's) find their counts on themselves.
  const memo = (part as Partial<MemoPart>).decoded;
  if (memo !== undefined && memo.digits === layout.digits && memo.resolution === resolution) return memo.pairs;
  const pairs = scope.decoded.get(part.hdr, part.resolution ?? resolution, layout, resolution);
  // Parts made by `part()` carry the field; any other part object is decoded at each read.
  if ('decoded' in part) (part as MemoPart).decoded = { digits: layout.digits, resolution, pairs };
  return pairs;
}

/** Decoded bucket counts of part `i` of a kept series (see {@link pairsOf}), kept beside its columns. */
export function pairsAt(scope: { readonly scale: WindowScale; readonly decoded: DecodedHistograms }, s: KeptSeries, i: number): Float64Array | null {
  const hdr = s.hdrAt(i);
  if (hdr === undefined) return null;
  const { layout, resolution } = scope.scale;
  const digits = layout.digits;
  if (s.memoDigits !== digits || s.memoResolution !== resolution) {
    // Counts decoded for another scale: dropped, one scale a series (no memo object a part).
    for (let k = DECODED; k < s.refs.length; k += R) s.refs[k] = undefined;
    s.memoDigits = digits;
    s.memoResolution = resolution;
  }
  const memo = s.refs[i * R + DECODED] as Float64Array | null | undefined;
  if (memo !== undefined) return memo;
  const pairs = scope.decoded.get(hdr, s.resolutionAt(i) ?? resolution, layout, resolution);
  s.refs[i * R + DECODED] = pairs;
  return pairs;
}
