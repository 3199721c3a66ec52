/**
 * Entry of the child processes that run the memory and allocation cases (started by spawn.ts
 * with --expose-gc). Usage: child.ts <task> <count> <series>. Prints one JSON line on stdout.
 */
import { promAllocations, pulsewatchAllocations } from './allocations.js';
import { requireGc, type GcFn } from './gc.js';
import { checksumValue } from './harness.js';
import { promMemory, pulsewatchMemory } from './memory.js';

/** Tasks a child can run, by name: (gc, count, series) where count is observations or calls. */
export const CHILD_TASKS = {
  'memory:pulsewatch': (gc: GcFn, observations: number, series: number) => pulsewatchMemory(gc, observations, series),
  'memory:prom-client': (gc: GcFn, observations: number, series: number) => promMemory(gc, observations, series),
  'alloc:pulsewatch': (gc: GcFn, calls: number) => pulsewatchAllocations(gc, calls),
  'alloc:prom-client': (gc: GcFn, calls: number) => promAllocations(gc, calls),
} satisfies Record<string, (gc: GcFn, count: number, series: number) => Promise<unknown>>;

export type ChildTask = keyof typeof CHILD_TASKS;

async function main(): Promise<void> {
  const [task, count, series] = process.argv.slice(2);
  const fn: ((gc: GcFn, count: number, series: number) => Promise<unknown>) | undefined = CHILD_TASKS[task as ChildTask];
  if (fn === undefined) throw new Error(`unknown child task ${JSON.stringify(task)}; expected one of ${Object.keys(CHILD_TASKS).join(', ')}`);
  const result = await fn(requireGc(), Number(count), Number(series));
  process.stdout.write(`${JSON.stringify({ result, checksum: checksumValue() })}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
