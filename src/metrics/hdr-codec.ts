import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import type { Rollup } from '../storage/contract.js';
import { type BucketLayout, SparseCounts } from './log-buckets.js';
import type { HistogramSlot } from './histogram-slot.js';

// Encoding costs ~70 us a series; doing it for every series inside the slot timer stalled the
// event loop for hundreds of ms with 1000 series. Rollups are encoded when they are written
// (a batch at a time) or read, or when their slot is about to be reused, whichever comes first.
const deferred = new WeakMap<Rollup, () => void>();

/** Registers the encoding of `rollup.hdr` to run later (see {@link materializeRollups}). */
export function deferEncoding(rollup: Rollup, encode: () => string): void {
  deferred.set(rollup, () => {
    (rollup as { hdr?: string }).hdr = encode();
  });
}

/** Runs the deferred encodings of `rollups` so each carries its `hdr`. Cheap for encoded ones. */
export function materializeRollups(rollups: Iterable<Rollup>): void {
  for (const rollup of rollups) {
    const encode = deferred.get(rollup);
    if (encode === undefined) continue;
    deferred.delete(rollup);
    encode();
  }
}

/**
 * Converts between pulsewatch's slot buckets and HdrHistogram's compressed V2 encoding, the
 * format rollups carry so any HdrHistogram implementation (or a store) can merge them.
 * One scratch histogram per digit count is reused; encoding runs at slot close, off the hot path.
 */
export class HdrCodec {
  private readonly scratch = new Map<number, JsHistogram>();

  /** Encodes a slot's distribution (values scaled to integer units). */
  encodeSlot(slot: Pick<HistogramSlot, 'forEachBucket'>, layout: BucketLayout, scale: number): string {
    const h = this.histogram(layout.digits);
    slot.forEachBucket(layout, scale, (index, count) => h.recordValueWithCount(layout.lowestAt(index), count));
    return hdr.encodeIntoCompressedBase64(h);
  }

  /** Decodes an encoded histogram into bucket counts of `layout`. */
  decode(encoded: string, layout: BucketLayout): SparseCounts {
    const decoded = hdr.decodeFromCompressedBase64(encoded, 32) as unknown as JsHistogram;
    const counts = new SparseCounts(layout);
    for (let i = 0; i < decoded.countsArrayLength; i++) {
      const c = decoded.getCountAtIndex(i);
      if (c > 0) counts.record(decoded.valueFromIndex(i), c);
    }
    return counts;
  }

  private histogram(digits: number): JsHistogram {
    let h = this.scratch.get(digits);
    if (h === undefined) {
      h = hdr.build({
        bitBucketSize: 32,
        autoResize: true,
        lowestDiscernibleValue: 1,
        highestTrackableValue: 2,
        numberOfSignificantValueDigits: digits as 1 | 2 | 3 | 4 | 5,
      }) as unknown as JsHistogram;
      this.scratch.set(digits, h);
    } else h.reset();
    return h;
  }
}
