import { z } from 'zod';
import { OPTIONAL_ROLE_CALLS, STORAGE_CALLS, type Rollup } from '../storage/contract.js';
import { rollupProblem } from '../storage/rollup-validation.js';

/**
 * The storage calls a worker may make on its primary's storage: the whole contract but `close`,
 * and the optional `listMetricNames` (refused when the primary's storage has none).
 */
export const STORAGE_OPS = [...STORAGE_CALLS, 'listMetricNames', ...OPTIONAL_ROLE_CALLS.state] as const;

/** The optional calls of {@link STORAGE_OPS}: the primary's storage may not have them. */
export const OPTIONAL_OPS: ReadonlySet<string> = new Set(['listMetricNames', ...OPTIONAL_ROLE_CALLS.state]);

/** One of {@link STORAGE_OPS}. */
export type StorageOp = (typeof STORAGE_OPS)[number];

const anyNumber = z.custom<number>((v) => typeof v === 'number', 'must be a number');
const id = z.string().min(1).max(1_000);
const record = z.looseObject({ id });
const query = z.looseObject({}).optional();
const time = z.number().finite();

/**
 * The arguments of each call, checked on the primary before the call reaches its storage (the
 * `CallOptions` never cross: a signal is the worker's own business). Records are the store's
 * opaque JSON, checked for their id; rollups are checked one by one by {@link parseRollups}.
 */
export const STORAGE_ARGS: Readonly<Record<StorageOp, z.ZodType<unknown[]>>> = {
  writeRollups: z.tuple([z.array(z.unknown())]),
  queryRollups: z.tuple([
    z.object({ name: z.string().min(1).max(1_000), labels: z.record(z.string(), z.string()).optional(), from: time.optional(), to: time.optional() }),
  ]),
  tryAcquire: z.tuple([id, z.number().finite().positive()]),
  saveAlert: z.tuple([record]),
  queryAlerts: z.tuple([z.looseObject({})]),
  saveRule: z.tuple([z.looseObject({ id, name: z.string(), createdAt: time, updatedAt: time })]),
  deleteRule: z.tuple([id]),
  listRules: z.tuple([]),
  saveDeadLetter: z.tuple([record]),
  listDeadLetters: z.union([z.tuple([]), z.tuple([query])]),
  deleteDeadLetter: z.tuple([id]),
  saveJobDeadLetter: z.tuple([record]),
  listJobDeadLetters: z.union([z.tuple([]), z.tuple([query])]),
  deleteJobDeadLetter: z.tuple([id]),
  purgeBefore: z.tuple([time]),
  // A finite since (IPC carries JSON); the store clamps limit.
  listMetricNames: z.tuple([z.object({ since: time, limit: z.number().optional(), match: z.string().max(10_000).optional() })]),
  // Keys and values are checked by the store (the same rules on every store).
  putStateIfAbsent: z.tuple([z.string(), z.unknown()]),
  readState: z.union([z.tuple([z.string()]), z.tuple([z.string(), z.object({ limit: z.number().optional() })])]),
  deleteState: z.tuple([z.string()]),
};

/** A rollup's fields: anything else a worker sends along is left behind. */
const rollupShape = z.object({
  name: z.string(),
  kind: z.enum(['counter', 'gauge', 'histogram']),
  labels: z.record(z.string(), z.string()),
  start: anyNumber,
  end: anyNumber,
  count: anyNumber,
  sum: anyNumber,
  min: anyNumber,
  max: anyNumber,
  last: anyNumber.optional(),
  hdr: z.string().optional(),
  resolution: anyNumber.optional(),
  service: z.string().optional(),
  instance: z.string().optional(),
});

/**
 * The rollups of a write a worker sent: each checked with the shape above and the storage
 * contract's own rules (`rollupProblem`). Returns the valid ones and the indexes of the others.
 */
export function parseRollups(items: readonly unknown[]): { valid: Rollup[]; validIndex: number[]; invalid: number[] } {
  const valid: Rollup[] = [];
  const validIndex: number[] = [];
  const invalid: number[] = [];
  items.forEach((item, i) => {
    const parsed = rollupShape.safeParse(item);
    if (parsed.success && rollupProblem(parsed.data) === undefined) {
      valid.push(parsed.data);
      validIndex.push(i);
    } else invalid.push(i);
  });
  return { valid, validIndex, invalid };
}
