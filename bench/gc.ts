/**
 * Access to `gc()` for the memory and allocation cases, which only make sense in a process
 * started with --expose-gc (spawn.ts starts one).
 */

export type GcFn = () => void;

/** The exposed collector; throws a clear error instead of silently measuring garbage. */
export function requireGc(): GcFn {
  const gc = (globalThis as { gc?: GcFn }).gc;
  if (typeof gc !== 'function') throw new Error('memory and allocation cases need `node --expose-gc` (npm run bench starts them that way)');
  return gc;
}

/**
 * Full collections until the heap stops shrinking, with a macrotask turn between them so
 * finalizers and pending promise work (flushes) finish before the reading.
 */
export async function settleGc(gc: GcFn): Promise<void> {
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    await new Promise((r) => setTimeout(r, 0));
    gc();
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(last - used) < 1024) return;
    last = used;
  }
}
