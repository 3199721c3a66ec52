import type { Rollup } from '../contract.js';
import type { SkippedValues } from '../skipped-values.js';
import { ROLLUP_KINDS } from '../rollup-validation.js';

/**
 * Conversions between records and PostgreSQL values, for statements with parameters and for
 * the upsert's JSON (the COPY's binary form is postgres-copy.ts). Numbers travel as text so that
 * every double round-trips exactly (including -0, NaN and ±Infinity, which float8 keeps).
 */

/**
 * The columns a rollup batch is written as, in the COPY's order: name, type, and the key of the
 * column in the JSON array {@link batchJson} builds (short: a batch of 100 is some 60 KB of JSON).
 */
export const ROLLUP_COLUMNS = [
  ['name', 'text', 'n'],
  ['kind', 'text', 'k'],
  ['labels', 'jsonb', 'l'],
  ['start_ms', 'bigint', 's'],
  ['end_ms', 'bigint', 'e'],
  ['count', 'float8', 'c'],
  ['sum', 'float8', 'su'],
  ['min', 'float8', 'mi'],
  ['max', 'float8', 'ma'],
  ['last', 'float8', 'la'],
  ['hdr', 'text', 'h'],
  ['resolution', 'float8', 'r'],
  ['service', 'text', 'sv'],
  ['instance', 'text', 'i'],
] as const;

/**
 * The columns read back (see {@link RollupRowReader}). Labels come as text, parsed once per
 * distinct text by the reader (pg's jsonb parser ran JSON.parse on every row:
 * a 30-day read holds 12,900 rows of 100 label sets).
 */
export const ROLLUP_SELECT = 'name, kind, labels::text AS labels, start_ms, end_ms, count, sum, min, max, last, hdr, resolution, service, instance';

/** A row of `rollups` as pg returns it (int8 as strings, float8 as numbers, labels as JSON text). */
export interface RollupRow {
  name: string;
  kind: Rollup['kind'];
  labels: string;
  start_ms: string;
  end_ms: string;
  count: number;
  sum: number;
  min: number;
  max: number;
  last: number | null;
  hdr: string | null;
  resolution: number | null;
  service: string | null;
  instance: string | null;
}

/**
 * The batch as one JSON array for `json_to_recordset` (keys of {@link ROLLUP_COLUMNS}): the
 * upsert's form. Doubles JSON cannot hold (-0, NaN, ±Infinity) travel as float8's text.
 */
export function batchJson(batch: readonly Rollup[]): string {
  return JSON.stringify(
    batch.map((r) => ({
      n: r.name,
      k: r.kind,
      l: encodeLabels(r.labels),
      s: integer(r.start, 'start'),
      e: integer(r.end, 'end'),
      c: jsonFloat(r.count),
      su: jsonFloat(r.sum),
      mi: jsonFloat(r.min),
      ma: jsonFloat(r.max),
      la: r.last === undefined ? null : jsonFloat(r.last),
      h: r.hdr ?? null,
      r: r.resolution === undefined ? null : jsonFloat(r.resolution),
      sv: r.service ?? null,
      i: r.instance ?? null,
    })),
  );
}

/** A double as JSON: a number where JSON has one (the shortest exact form), else float8's text. */
function jsonFloat(n: number): number | string {
  return Number.isFinite(n) && !Object.is(n, -0) ? n : float(n);
}

/**
 * Stored rows as rollups, absent optional fields absent (never `null`), each distinct labels
 * text parsed once: every rollup still gets its own labels object, a copy of the parsed one. One
 * per read. Stored data read back is hostile input: a row written by hand or by another tool
 * whose labels are no label set (`null`, `"x"`, `[1]`, `{"route": 5}`), whose kind is unknown, or
 * whose count or bounds no rollup can hold is set aside in {@link skipped} (the read reports
 * it once), not returned: spread into a label set, `"x"` became `{ "0": "x" }`.
 */
export class RollupRowReader {
  private readonly parsed = new Map<string, Record<string, string> | null>();

  constructor(readonly skipped: SkippedValues) {}

  /** The row as a rollup, or undefined (and set aside) when it holds no rollup. */
  read(row: RollupRow): Rollup | undefined {
    let labels = this.parsed.get(row.labels);
    if (labels === undefined) {
      labels = labelSet(JSON.parse(row.labels) as unknown);
      this.parsed.set(row.labels, labels);
    }
    const problem = labels === null ? 'labels that are not an object of string values' : rowProblem(row);
    if (problem !== undefined) {
      this.skipped.add(`${row.name} ${row.kind} ${row.labels}`, new TypeError(`a row with ${problem}`));
      return undefined;
    }
    return toRollup(row, { ...labels });
  }
}

/** Stored labels as a label set (escapes undone), or null when they are not an object of strings. */
function labelSet(stored: unknown): Record<string, string> | null {
  if (typeof stored !== 'object' || stored === null || Array.isArray(stored)) return null;
  for (const name in stored) if (typeof (stored as Record<string, unknown>)[name] !== 'string') return null;
  return decodeLabels(stored as Record<string, string>);
}

/** What makes a row's columns (other than labels) no rollup, or undefined. */
function rowProblem(row: RollupRow): string | undefined {
  // The column is plain text: a row written by hand may hold any kind.
  if (!ROLLUP_KINDS.has(row.kind)) return 'a kind that is not counter, gauge or histogram';
  if (!(row.count >= 0) || row.count === Infinity) return 'a count that is not a finite number >= 0';
  if (!Number.isSafeInteger(Number(row.start_ms)) || !Number.isSafeInteger(Number(row.end_ms))) return 'slot bounds beyond the safe integers';
  return undefined;
}

function toRollup(row: RollupRow, labels: Record<string, string>): Rollup {
  const rollup: Rollup = {
    name: row.name,
    kind: row.kind,
    labels,
    start: Number(row.start_ms),
    end: Number(row.end_ms),
    count: row.count,
    sum: row.sum,
    min: row.min,
    max: row.max,
  };
  if (row.last !== null) rollup.last = row.last;
  if (row.hdr !== null) rollup.hdr = row.hdr;
  if (row.resolution !== null) rollup.resolution = row.resolution;
  if (row.service !== null) rollup.service = row.service;
  if (row.instance !== null) rollup.instance = row.instance;
  return rollup;
}

// PostgreSQL text (and so jsonb) cannot hold U+0000. Label names and values containing it are
// escaped injectively (U+0000 -> U+E000 '0', U+E000 -> U+E000 U+E000), on writes and on
// matchers alike, so containment still compares exact values; reads undo it.
const NEEDS_ESCAPE = /[\u0000\uE000]/;
const ESCAPED = /\uE000/;

function escape(s: string): string {
  return NEEDS_ESCAPE.test(s) ? s.replace(/[\u0000\uE000]/g, (c) => (c === '\u0000' ? '\uE0000' : '\uE000\uE000')) : s;
}

function unescape(s: string): string {
  return ESCAPED.test(s) ? s.replace(/\uE000([\s\S])/g, (_, c: string) => (c === '0' ? '\u0000' : c)) : s;
}

/** Labels (or label matchers) as stored. */
export function encodeLabels(labels: Readonly<Record<string, string>>): Record<string, string> {
  let out: Record<string, string> | undefined;
  for (const name in labels) {
    const value = labels[name]!;
    if (NEEDS_ESCAPE.test(name) || NEEDS_ESCAPE.test(value)) {
      out ??= {};
      break;
    }
  }
  if (out === undefined) return labels as Record<string, string>;
  for (const name in labels) out[escape(name)] = escape(String(labels[name]));
  return out;
}

function decodeLabels(stored: Record<string, string>): Record<string, string> {
  for (const name in stored) {
    if (ESCAPED.test(name) || ESCAPED.test(stored[name]!)) {
      const out: Record<string, string> = {};
      for (const n in stored) out[unescape(n)] = unescape(stored[n]!);
      return out;
    }
  }
  return stored;
}

/** A double as float8 input text: exact (shortest round-trip form), keeping -0. */
export function float(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

function integer(n: number, field: string): number {
  if (!Number.isSafeInteger(n)) throw new TypeError(`rollup ${field} must be an integer number of ms, got ${n}`);
  return n;
}

/** A record as stored in a `json` column: the text keeps its key order; non-JSON values follow JSON.stringify's rules. */
export function toJson(record: unknown): string {
  return JSON.stringify(record);
}
