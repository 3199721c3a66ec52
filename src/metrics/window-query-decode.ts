import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { type BucketLayout, SparseCounts } from './log-buckets.js';

/**
 * Decodes a rollup's `hdr` (HdrHistogram's compressed V2 encoding of values in integer units of
 * the rollup's `resolution`) into bucket counts of `layout` in units of `resolution`: the
 * resolution a reader merges into, which need not be the writer's. A reader that never defined
 * the metric takes both from the rollups (see window-query-window.ts), so no metric definition is
 * needed. Values move to the bucket of `value * rollupResolution / resolution`: exact when the
 * two resolutions are equal, within the layout's precision otherwise. Throws on data that is not
 * such an encoding.
 */
export function decodeRollupHdr(encoded: string, rollupResolution: number, layout: BucketLayout, resolution: number): SparseCounts {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32) as unknown as JsHistogram;
  const factor = rollupResolution / resolution;
  const counts = new SparseCounts(layout);
  for (let i = 0; i < decoded.countsArrayLength; i++) {
    const c = decoded.getCountAtIndex(i);
    if (c <= 0) continue;
    const value = decoded.valueFromIndex(i);
    counts.record(factor === 1 ? value : Math.floor(value * factor), c);
  }
  return counts;
}
