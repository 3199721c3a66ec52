import { StorageError } from '../core/errors.js';
import { isValidMetricName, isWellFormed, MAX_METRIC_NAME_LENGTH } from '../core/labels.js';
import { COMPACTED_INSTANCE } from './compaction.js';
import type { Rollup } from './contract.js';

/**
 * What every built-in adapter accepts as a rollup, checked before anything is written. A
 * rollup outside it is data no retry can fix (jsonb refuses a lone surrogate; bigint cannot take
 * -1e16 safely; NaN as a slot bound breaks every range query), so adapters set it aside and
 * reject it with a *permanent* {@link StorageError} naming its index, instead of failing the
 * whole batch over and over.
 */

/**
 * Slot bounds must lie within ±8.64e15 ms, the range of a JavaScript `Date` (about ±273,790
 * years around 1970): safe integers, exact in a float8, a bigint and a Redis score alike.
 */
export const ROLLUP_TIME_LIMIT = 8.64e15;

/**
 * Longest `instance` a rollup may carry: an instance id (at most 200 characters, like a metric
 * name) plus the suffix a monitor adds to a slot it writes a second time (see instance.ts). Kept
 * short because PostgreSQL's unique index holds it (its btree rows stop at 2,704 bytes).
 */
export const MAX_INSTANCE_LENGTH = 256;

/** The kinds a rollup may have: checked on writes here, and on rows read back by adapters whose column holds any text. */
export const ROLLUP_KINDS: ReadonlySet<string> = new Set(['counter', 'gauge', 'histogram']);
/** A character base64 never holds. */
const NOT_BASE64 = /[^A-Za-z0-9+/=]/;

/**
 * Why `rollup` cannot be stored, or `undefined` when it can. The reason names the field and the
 * rule, never a label value (label values may carry what a caller did not mean to log).
 */
export function rollupProblem(rollup: unknown): string | undefined {
  if (typeof rollup !== 'object' || rollup === null) return 'is not an object';
  const r = rollup as Partial<Record<keyof Rollup, unknown>>;
  // Length too: PostgreSQL's btree index refuses a row past 2,704 bytes (a 6 KB name blocked every write).
  if (!isValidMetricName(r.name)) return `name must match [a-zA-Z_:][a-zA-Z0-9_:]* and be at most ${MAX_METRIC_NAME_LENGTH} characters`;
  if (typeof r.kind !== 'string' || !ROLLUP_KINDS.has(r.kind)) return 'kind must be counter, gauge or histogram';
  const labels = labelsProblem(r.labels);
  if (labels !== undefined) return labels;
  if (!isTime(r.start)) return `start must be an integer number of ms within ±${ROLLUP_TIME_LIMIT}`;
  if (!isTime(r.end)) return `end must be an integer number of ms within ±${ROLLUP_TIME_LIMIT}`;
  // end === start is a slot closed the instant it opened (a flush or close() at a slot boundary).
  if ((r.end as number) < (r.start as number)) return 'end must not be before start';
  if (typeof r.count !== 'number' || !Number.isFinite(r.count) || r.count < 0) return 'count must be a finite number >= 0';
  // sum, min, max and last may be any double (a counter may reach +Infinity): every store keeps them exactly.
  for (const field of ['sum', 'min', 'max'] as const) if (typeof r[field] !== 'number') return `${field} must be a number`;
  if (r.last !== undefined && typeof r.last !== 'number') return 'last must be a number when present';
  if (r.resolution !== undefined && (typeof r.resolution !== 'number' || !Number.isFinite(r.resolution) || r.resolution <= 0)) {
    return 'resolution must be a finite number > 0 when present';
  }
  if (r.hdr !== undefined && (typeof r.hdr !== 'string' || !isBase64(r.hdr))) return 'hdr must be a base64 string when present';
  if (r.service !== undefined && !isText(r.service)) return 'service must be a well-formed string without U+0000 when present';
  if (r.instance !== undefined && !(isText(r.instance) && (r.instance as string) !== '' && (r.instance as string).length <= MAX_INSTANCE_LENGTH)) {
    return `instance must be a non-empty well-formed string of at most ${MAX_INSTANCE_LENGTH} characters without U+0000 when present`;
  }
  // Reserved: only compaction writes it (straight into the store, not through this check).
  if (r.instance === COMPACTED_INSTANCE) return `instance must not be "${COMPACTED_INSTANCE}", reserved for compacted rollups`;
  return undefined;
}

/** Rollups split into those a store can hold and the indexes (with reasons) of those it cannot. */
export interface RollupPartition {
  valid: Rollup[];
  /** Indexes in the batch given, ascending. */
  rejected: number[];
  /** The first rejected rollup's problem, as `rollup <index> of "<name>": <reason>`. */
  firstReason: string | undefined;
}

/** Splits a batch by {@link rollupProblem}; the valid ones keep their order. */
export function partitionRollups(rollups: readonly Rollup[]): RollupPartition {
  const valid: Rollup[] = [];
  const rejected: number[] = [];
  let firstReason: string | undefined;
  for (let i = 0; i < rollups.length; i++) {
    const problem = rollupProblem(rollups[i]);
    if (problem === undefined) {
      valid.push(rollups[i]!);
      continue;
    }
    rejected.push(i);
    firstReason ??= `rollup ${i} of ${describeName(rollups[i])}: ${problem}`;
  }
  return { valid, rejected, firstReason };
}

/**
 * The permanent error an adapter rejects with when `partition` set rollups aside, after it
 * stored the valid ones: `rejected` lists the indexes not stored, every other one was.
 */
export function rejectionError(adapter: string, total: number, partition: RollupPartition): StorageError {
  const n = partition.rejected.length;
  return new StorageError(
    `${adapter}: writeRollups rejected ${n} of ${total} rollups as invalid (${partition.firstReason}); the other ${total - n} were stored`,
    { permanent: true, rejected: partition.rejected },
  );
}

/** The rollup's metric name for a message: quoted when it is a valid name, else not repeated. */
export function describeName(rollup: unknown): string {
  const name = typeof rollup === 'object' && rollup !== null ? (rollup as { name?: unknown }).name : undefined;
  return isValidMetricName(name) ? `"${name}"` : 'a rollup with an invalid name';
}

function labelsProblem(labels: unknown): string | undefined {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return 'labels must be an object';
  const proto = Object.getPrototypeOf(labels) as unknown;
  if (proto !== Object.prototype && proto !== null) return 'labels must be a plain object';
  for (const name of Object.keys(labels)) {
    // U+0000 is fine in label names and values: PostgresStorage escapes it (text cannot hold it).
    if (!isWellFormed(name)) return 'label names must be well-formed UTF-16 (no lone surrogates)';
    const value = (labels as Record<string, unknown>)[name];
    if (typeof value !== 'string') return 'label values must be strings';
    // A lone surrogate (a string cut mid-emoji) has no UTF-8 form: jsonb refuses it.
    if (!isWellFormed(value)) return 'label values must be well-formed UTF-16 (no lone surrogates)';
  }
  return undefined;
}

/**
 * True when `s` is base64 text: its alphabet, with `=` only as the last one or two characters.
 * A scan for a foreign character, then a look at the padding: twice as fast as one anchored
 * pattern on the ~400-character HDR strings every histogram rollup carries.
 */
function isBase64(s: string): boolean {
  if (NOT_BASE64.test(s)) return false;
  const pad = s.indexOf('=');
  return pad < 0 || pad === s.length - 1 || (pad === s.length - 2 && s.charCodeAt(s.length - 1) === 61);
}

function isTime(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && Math.abs(value) <= ROLLUP_TIME_LIMIT;
}

/** Text columns (name, service) hold neither lone surrogates nor U+0000 (PostgreSQL text cannot). */
function isText(value: unknown): boolean {
  return typeof value === 'string' && isWellFormed(value) && !value.includes('\u0000');
}
