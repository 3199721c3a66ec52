import { canonicalLabels } from '../core/labels.js';
import type { Rollup } from './contract.js';

/**
 * Conversions between records and PostgreSQL values. Numbers travel as text so that every
 * double round-trips exactly (including -0, NaN and ±Infinity, which float8 keeps).
 */

/** The columns a rollup batch is written as: one array per column, for a single `unnest` insert. */
export const ROLLUP_COLUMNS = [
  ['name', 'text'],
  ['kind', 'text'],
  ['labels', 'jsonb'],
  ['series_key', 'text'],
  ['start_ms', 'bigint'],
  ['end_ms', 'bigint'],
  ['count', 'float8'],
  ['sum', 'float8'],
  ['min', 'float8'],
  ['max', 'float8'],
  ['last', 'float8'],
  ['hdr', 'text'],
  ['resolution', 'float8'],
  ['service', 'text'],
  ['instance', 'text'],
] as const;

/** The columns read back, in {@link rowToRollup}'s order. */
export const ROLLUP_SELECT = 'name, kind, labels, start_ms, end_ms, count, sum, min, max, last, hdr, resolution, service, instance';

/** A row of `rollups` as pg returns it (int8 as strings, float8 as numbers, jsonb parsed). */
export interface RollupRow {
  name: string;
  kind: Rollup['kind'];
  labels: Record<string, string>;
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
 * The batch without the rollups a later one of the same (name, labels, start, instance)
 * replaces: one INSERT ... ON CONFLICT DO UPDATE may not touch a row twice (SQLSTATE 21000).
 * Rollups without an instance are all kept, as before.
 */
export function lastPerInstanceSlot(rollups: readonly Rollup[]): readonly Rollup[] {
  let seen: Map<string, number> | undefined;
  let drop: Set<number> | undefined;
  for (let i = 0; i < rollups.length; i++) {
    const r = rollups[i]!;
    if (r.instance === undefined) continue;
    seen ??= new Map();
    const key = `${r.name}\u0000${canonicalLabels(r.labels)}\u0000${r.start}\u0000${r.instance}`;
    const before = seen.get(key);
    if (before !== undefined) (drop ??= new Set()).add(before);
    seen.set(key, i);
  }
  return drop === undefined ? rollups : rollups.filter((_, i) => !drop.has(i));
}

/** Column arrays of a batch, in {@link ROLLUP_COLUMNS} order. */
export function rollupColumns(rollups: readonly Rollup[]): (string | null)[][] {
  const cols: (string | null)[][] = ROLLUP_COLUMNS.map(() => new Array<string | null>(rollups.length));
  for (let i = 0; i < rollups.length; i++) {
    const r = rollups[i]!;
    const labels = encodeLabels(r.labels);
    cols[0]![i] = r.name;
    cols[1]![i] = r.kind;
    cols[2]![i] = JSON.stringify(labels);
    cols[3]![i] = canonicalLabels(labels); // series_key: kept for writers on schema version 1
    cols[4]![i] = integer(r.start, 'start');
    cols[5]![i] = integer(r.end, 'end');
    cols[6]![i] = float(r.count);
    cols[7]![i] = float(r.sum);
    cols[8]![i] = float(r.min);
    cols[9]![i] = float(r.max);
    cols[10]![i] = r.last === undefined ? null : float(r.last);
    cols[11]![i] = r.hdr ?? null;
    cols[12]![i] = r.resolution === undefined ? null : float(r.resolution);
    cols[13]![i] = r.service ?? null;
    cols[14]![i] = r.instance ?? null;
  }
  return cols;
}

/** A stored row as a rollup; absent optional fields stay absent (never `null`). */
export function rowToRollup(row: RollupRow): Rollup {
  const rollup: Rollup = {
    name: row.name,
    kind: row.kind,
    labels: decodeLabels(row.labels),
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

function integer(n: number, field: string): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`rollup ${field} must be an integer number of ms, got ${n}`);
  return String(n);
}

/** A record as stored in a `json` column: the text keeps its key order; non-JSON values follow JSON.stringify's rules. */
export function toJson(record: unknown): string {
  return JSON.stringify(record);
}
