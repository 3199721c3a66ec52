/**
 * Timing harness. Each contender owns its timed loop (`run(ops)`), so its call sites stay
 * monomorphic and the JIT optimises it as application code would be; a shared
 * `for (...) fn()` loop would turn megamorphic across libraries and penalise whoever runs last.
 */

/** Runs `ops` operations and returns a number derived from the work (fed to the checksum). */
export type RunFn = (ops: number) => number | Promise<number>;

/** One library's implementation of a case. */
export interface Contender {
  readonly name: string;
  readonly run: RunFn;
}

/** Median and spread of one contender's ops/s over the rounds. */
export interface Measured {
  name: string;
  median: number;
  min: number;
  max: number;
  /** Operations per timed sample (after calibration). */
  ops: number;
}

export interface CaseOptions {
  /** Interleaved rounds; each runs every contender once. */
  rounds?: number;
  /** Target length of one timed sample. */
  sampleMs?: number;
}

// Every result is added here and printed at the end, so no loop result is provably unused.
let checksum = 0;

/** Keeps `value` observable (defeats dead-code elimination). */
export function consume(value: number): void {
  checksum = (checksum + value) % 1e15;
}

/** The accumulated checksum, printed by the runner. */
export function checksumValue(): number {
  return checksum;
}

/** Full-length warmup runs per contender after the op count is first estimated. */
const WARMUPS = 2;

/** Milliseconds taken by one `run(ops)`, awaiting it when it is async. */
async function timeOnce(run: RunFn, ops: number): Promise<number> {
  const t0 = performance.now();
  const r = run(ops);
  consume(typeof r === 'number' ? r : await r);
  return performance.now() - t0;
}

/** Lets timers (slot closes, flushes) and pending callbacks run between samples, not inside them. */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Finds an op count whose run lasts about `sampleMs`, growing geometrically. The growing runs
 * double as warmup: by the time the count is known, the loop has been optimised.
 */
async function calibrate(run: RunFn, sampleMs: number): Promise<number> {
  let ops = 1;
  for (;;) {
    const ms = await timeOnce(run, ops);
    if (ms >= sampleMs / 8) {
      // Full-length warmups, re-estimating after each: early runs are partly unoptimised and
      // would otherwise leave samples far shorter than sampleMs once the JIT has caught up.
      let estimate = Math.max(1, Math.ceil((ops * sampleMs) / ms));
      for (let i = 0; i < WARMUPS; i++) {
        await yieldToLoop();
        const warm = await timeOnce(run, estimate);
        estimate = Math.max(1, Math.ceil((estimate * sampleMs) / Math.max(warm, 1e-3)));
      }
      return estimate;
    }
    ops *= ms < 1 ? 16 : 4;
    await yieldToLoop();
  }
}

/**
 * Calibrates and warms every contender, then runs `rounds` interleaved rounds. The starting
 * contender rotates each round so none always runs right after the same neighbour (GC debt,
 * CPU frequency and cache state are spread evenly). Reports the median ops/s per contender.
 */
export async function runCase(contenders: readonly Contender[], options: CaseOptions = {}): Promise<Measured[]> {
  const rounds = options.rounds ?? 5;
  const sampleMs = options.sampleMs ?? 250;
  const ops: number[] = [];
  for (const c of contenders) {
    ops.push(await calibrate(c.run, sampleMs));
    await yieldToLoop();
  }
  const samples: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (r + k) % contenders.length;
      const ms = await timeOnce(contenders[i]!.run, ops[i]!);
      samples[i]!.push((ops[i]! * 1000) / ms);
      await yieldToLoop();
    }
  }
  return contenders.map((c, i) => {
    const s = samples[i]!;
    return { name: c.name, median: median(s), min: Math.min(...s), max: Math.max(...s), ops: ops[i]! };
  });
}

/** Median of a list; NaN for an empty one (a part that did not run). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
