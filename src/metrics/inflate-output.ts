/** The output of inflate-blocks.ts: a growable buffer the caller reuses across calls, and its growth. */

/** A growable output buffer, reused across calls. */
export interface InflateOutput {
  bytes: Uint8Array;
}

/**
 * `out.bytes`, grown to hold `size` bytes (at most `limit`); throws when `size` is past `limit`,
 * which bounds what a zip bomb can make the decoder allocate.
 */
export function ensure(out: InflateOutput, size: number, limit: number): Uint8Array {
  if (size > limit) throw new Error(`invalid zlib data: inflates to more than ${limit} bytes`);
  if (out.bytes.length >= size) return out.bytes;
  const grown = new Uint8Array(Math.min(Math.max(size, out.bytes.length * 2, 256), limit));
  grown.set(out.bytes);
  out.bytes = grown;
  return grown;
}
