/**
 * fast-check settings shared by the property suite (test/property) and the way a property that
 * needs an external checker (promtool, the Python OpenMetrics parser) stays fast.
 *
 * Environment:
 * - `PULSEWATCH_FC_SEED`: replay a run (fast-check prints the seed and the path of a failure:
 *   `seed: 12345, path: "3:1:0"`); `PULSEWATCH_FC_PATH` replays that one case directly;
 * - `PULSEWATCH_FC_SHRINK_MS`: how long a batched property may shrink a failure (default 20 s);
 * - `PULSEWATCH_FC_RUNS`: runs per property (default: each property's own, chosen to keep the
 *   suite well under a minute on two cores); `PULSEWATCH_FC_RUNS=1000` for a deeper search.
 */
import fc from 'fast-check';

/** The `fc.assert` parameters of one property: seed and runs from the environment, else defaults. */
export function fcParams<T>(defaultRuns: number, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  const seed = process.env.PULSEWATCH_FC_SEED;
  const path = process.env.PULSEWATCH_FC_PATH;
  const runs = process.env.PULSEWATCH_FC_RUNS;
  return {
    numRuns: runs === undefined ? defaultRuns : Number(runs),
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
    ...extra,
  };
}

/**
 * Checks `check` over `run`'s outputs for every generated input, calling the checker once for
 * the whole batch; when the batch finds a failure, replays the same seed checking one output at
 * a time so that fast-check shrinks to a minimal counterexample and prints its seed and path.
 *
 * - `run` turns an input into what is checked (an exposition); it may itself assert, and what
 *   it throws fails the property at once;
 * - `check` returns, for each output, undefined (fine) or why it is wrong.
 */
export async function assertBatched<T, O>(
  arb: fc.Arbitrary<T>,
  run: (input: T) => O | Promise<O>,
  check: (outputs: readonly O[]) => (string | undefined)[],
  params: fc.Parameters<[T]>,
): Promise<void> {
  // A fixed seed for both phases: the replay must meet the same inputs.
  const seeded = { ...params, seed: params.seed ?? (Date.now() ^ (Math.random() * 0x100000000)) };
  const outputs: O[] = [];
  await fc.assert(
    fc.asyncProperty(arb, async (input) => {
      outputs.push(await run(input));
    }),
    seeded,
  );
  const verdicts = check(outputs);
  const firstBad = verdicts.findIndex((v) => v !== undefined);
  if (firstBad === -1) return;
  await fc.assert(
    fc.asyncProperty(arb, async (input) => {
      const verdict = check([await run(input)])[0];
      if (verdict !== undefined) throw new Error(verdict);
    }),
    // Straight to the failing run (fast-check's path), then shrink it for at most
    // PULSEWATCH_FC_SHRINK_MS (default 20 s): every shrink step spawns the checker once.
    { ...seeded, path: params.path ?? String(firstBad), interruptAfterTimeLimit: Number(process.env.PULSEWATCH_FC_SHRINK_MS ?? 20_000) },
  );
  throw new Error(`run ${firstBad} of seed ${seeded.seed} failed in the batch check but passed when replayed alone: ${verdicts[firstBad]}`);
}
