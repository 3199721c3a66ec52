import type { MetricKind, Rollup } from '../contract.js';

/**
 * Rollups as sorted-set members: JSON with a fixed field order, `instance` first (so writing the
 * same rollup twice gives the same member, and a retried batch does not duplicate anything), without `name` and
 * `labels` (the key and the series index hold them). Numbers JSON cannot carry (±Infinity, NaN,
 * -0) are written as strings and read back as numbers.
 */
export function encodeRollup(r: Rollup): string {
  // Written out rather than built as an object for JSON.stringify: a third of the cost, same bytes
  // (numbers print as JSON prints them; strings go through JSON.stringify).
  let m = r.instance === undefined ? '{' : `{"instance":${JSON.stringify(r.instance)},`;
  m += `"kind":${JSON.stringify(r.kind)},"start":${slotText(r.start, START)},"end":${slotText(r.end, END)},"count":${num(r.count)},"sum":${num(r.sum)},"min":${num(r.min)},"max":${num(r.max)}`;
  if (r.last !== undefined) m += `,"last":${num(r.last)}`;
  if (r.hdr !== undefined) m += `,"hdr":${JSON.stringify(r.hdr)}`;
  if (r.resolution !== undefined) m += `,"resolution":${num(r.resolution)}`;
  if (r.service !== undefined) m += `,"service":${JSON.stringify(r.service)}`;
  return `${m}}`;
}

interface StoredRollup {
  kind: MetricKind;
  start: number;
  end: number;
  count: number | string;
  sum: number | string;
  min: number | string;
  max: number | string;
  last?: number | string;
  hdr?: string;
  resolution?: number | string;
  service?: string;
  instance?: string;
}

/**
 * Bytes (UTF-8, as Lua's string.sub counts) of the member's prefix that names its instance,
 * `{"instance":"<id>",`; 0 for a rollup without one. Members of one series and start that share
 * this prefix are the same (series, start, instance): the write script keeps only the newest.
 * A JSON string token ends at its first unescaped quote, so equal prefixes mean equal instances.
 */
export function identityLength(r: Rollup): number {
  return r.instance === undefined ? 0 : Buffer.byteLength(`{"instance":${JSON.stringify(r.instance)},`, 'utf8');
}

/** Reads a member back into a rollup of `name` with its own copy of `labels`. */
export function decodeRollup(member: string, name: string, labels: Readonly<Record<string, string>>): Rollup {
  const m = JSON.parse(member) as StoredRollup;
  const r: Rollup = {
    name,
    kind: m.kind,
    labels: { ...labels },
    start: m.start,
    end: m.end,
    count: back(m.count),
    sum: back(m.sum),
    min: back(m.min),
    max: back(m.max),
  };
  if (m.last !== undefined) r.last = back(m.last);
  if (m.hdr !== undefined) r.hdr = m.hdr;
  if (m.resolution !== undefined) r.resolution = back(m.resolution);
  if (m.service !== undefined) r.service = m.service;
  if (m.instance !== undefined) r.instance = m.instance;
  return r;
}

/** A series index member (its labels' canonical JSON) read back; throws when it is not a JSON object. */
export function decodeSeriesLabels(labelsJson: string): Record<string, string> {
  const labels = JSON.parse(labelsJson) as unknown;
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) throw new TypeError('series labels that are not a JSON object');
  return labels as Record<string, string>;
}

/** The slot end of an encoded rollup, without decoding the rest (purge reads only this). */
export function endOf(member: string): number {
  return (JSON.parse(member) as StoredRollup).end;
}

/** A double as member JSON: a JSON number where JSON has one, else a string ("-0", "NaN", "Infinity"). */
function num(v: number): string {
  return Number.isFinite(v) && !Object.is(v, -0) ? String(v) : `"${Object.is(v, -0) ? '-0' : String(v)}"`;
}

/** A slot bound and its text, as {@link slotText} last wrote it (a batch's rollups share their start and end). */
interface LastText {
  n: number;
  text: string;
}
const START: LastText = { n: NaN, text: 'null' };
const END: LastText = { n: NaN, text: 'null' };

/** {@link jsonNumber} of a slot bound, the text kept in `last` while the bound repeats (number to text is a tenth of encodeRollup). */
function slotText(v: number, last: LastText): string {
  // Object.is: -0 and 0 have one text, but are kept apart anyway.
  if (!Object.is(v, last.n)) {
    last.n = v;
    last.text = jsonNumber(v);
  }
  return last.text;
}

/** JSON's text of a number (start and end are validated safe integers; null as JSON.stringify would). */
function jsonNumber(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

function back(v: number | string): number {
  return typeof v === 'number' ? v : Number(v);
}
