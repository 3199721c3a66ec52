import type { Rollup } from '../contract.js';
import { encodeLabels } from './postgres-rows.js';

/**
 * The rollup batch as `COPY ... FROM STDIN (FORMAT binary)` input, built in one Buffer. Binary
 * because it is the cheapest form at both ends: no number is formatted here or parsed by the
 * server (float8 and int8 travel as their 8 bytes, exact, -0, NaN and ±Infinity included), no
 * text is escaped, and the data goes to the socket as built instead of as a string to encode.
 */

/** Label values or names that {@link encodeLabels} must escape, as they appear in JSON text. */
const ESCAPE_IN_JSON = /\\u0000|\uE000/;

/**
 * The JSON text of a rollup's stored labels (U+0000 escaped, see postgres-rows.ts), in the
 * labels' own order: jsonb orders keys itself, and the unique index hashes the jsonb's text.
 * `json` is `JSON.stringify(labels)` when the caller has it already (see {@link labelTexts}).
 */
export function labelsJson(labels: Readonly<Record<string, string>>, json = JSON.stringify(labels)): string {
  // Rare: a name or value holding U+0000 or U+E000 (or the text "\u0000"): escaped, then again.
  if (!ESCAPE_IN_JSON.test(json)) return json;
  const stored = encodeLabels(labels);
  return stored === labels ? json : JSON.stringify(stored);
}

/**
 * The batch without the rollups a later one of the same (name, labels, start, instance)
 * replaces, for the upsert (one INSERT ... ON CONFLICT DO UPDATE may not touch a row twice:
 * SQLSTATE 21000; the last of the batch wins). Rollups without an instance are all kept. The
 * COPY needs none of it: a batch holding one key twice fails it with unique_violation, and is
 * then sent as the upsert.
 */
export function lastPerSlot(rollups: readonly Rollup[]): Rollup[] {
  const out: Rollup[] = [];
  const slots = new Map<string, number>();
  for (const rollup of rollups) {
    if (rollup.instance === undefined) {
      out.push(rollup);
      continue;
    }
    const slot = `${rollup.name}\u0000${rollup.start}\u0000${rollup.instance}\u0000${seriesKeyOf(rollup.labels)}`;
    const before = slots.get(slot);
    if (before === undefined) slots.set(slot, out.push(rollup) - 1);
    else out[before] = rollup;
  }
  return out;
}

/** A key equal for equal label sets whatever their order: the sorted [name, value] pairs as JSON. */
function seriesKeyOf(labels: Readonly<Record<string, string>>): string {
  const names = Object.keys(labels).sort();
  return JSON.stringify(names.map((name) => [name, labels[name]]));
}

/** COPY's binary signature, flags (none) and header extension length (none). */
const HEADER = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** Fields per row: the columns of ROLLUP_COLUMNS, in that order. */
const FIELDS = 14;
/** Bytes a row takes besides its variable-length text: field count, 14 lengths, 8 numbers of 8 bytes, jsonb's version byte. */
const FIXED_ROW_BYTES = 2 + 4 * FIELDS + 8 * 8 + 1;
const TWO_32 = 4_294_967_296;

/**
 * The COPY binary data of `batches` (the columns of ROLLUP_COLUMNS: name, kind, labels jsonb,
 * start_ms, end_ms, count, sum, min, max, last, hdr, resolution, service, instance), one chunk
 * per batch, each built only when taken and with `before` bytes left free at its start for the
 * caller's message header. The first chunk starts with the format's header, the last ends with
 * its trailer. Rollups must have passed validation (`rollupProblem`): slot bounds safe
 * integers, name, kind and hdr ASCII.
 */
export function* copyBinaryChunks(batches: readonly (readonly Rollup[])[], before = 0, texts?: readonly (readonly string[])[]): Generator<Buffer> {
  if (batches.length === 0) batches = [[]];
  for (let i = 0; i < batches.length; i++) yield encodeRows(batches[i]!, before, i === 0, i === batches.length - 1, texts?.[i]);
}

/** `rollups` as one buffer of COPY binary data: header, rows, trailer. */
export function copyBinary(rollups: readonly Rollup[], before = 0): Buffer {
  return encodeRows(rollups, before, true, true);
}

/**
 * `JSON.stringify` of each rollup's labels, batch by batch: computed once per write for both the
 * COPY and the metric series (their canonical text, when the keys are in order already).
 */
export function labelTexts(batches: readonly (readonly Rollup[])[]): string[][] {
  return batches.map((batch) => batch.map((r) => JSON.stringify(r.labels)));
}

function encodeRows(rollups: readonly Rollup[], before: number, header: boolean, trailer: boolean, texts?: readonly string[]): Buffer {
  const labels = new Array<string>(rollups.length);
  // UTF-8 takes at most 3 bytes per UTF-16 unit; name, kind and hdr are ASCII.
  let size = before + HEADER.length + 2;
  for (let i = 0; i < rollups.length; i++) {
    const r = rollups[i]!;
    labels[i] = labelsJson(r.labels, texts?.[i]);
    size += FIXED_ROW_BYTES + r.name.length + r.kind.length + 3 * labels[i]!.length + (r.hdr?.length ?? 0);
    size += 3 * ((r.service?.length ?? 0) + (r.instance?.length ?? 0));
  }
  const buf = Buffer.allocUnsafe(size);
  let at = header ? before + HEADER.copy(buf, before) : before;
  // Name, kind and hdr are ASCII (validated): as latin1 the same bytes, copied without UTF-8
  // encoding (the hdr, some 370 characters, is most of a row).
  const text = (s: string | undefined, encoding: 'utf8' | 'latin1'): void => {
    if (s === undefined) {
      at = buf.writeInt32BE(-1, at);
      return;
    }
    const length = buf.write(s, at + 4, encoding);
    buf.writeInt32BE(length, at);
    at += 4 + length;
  };
  const double = (n: number | undefined): void => {
    at = n === undefined ? buf.writeInt32BE(-1, at) : buf.writeDoubleBE(n, buf.writeInt32BE(8, at));
  };
  const int8 = (n: number): void => {
    const high = Math.floor(n / TWO_32);
    at = buf.writeUInt32BE(n - high * TWO_32, buf.writeInt32BE(high, buf.writeInt32BE(8, at)));
  };
  for (let i = 0; i < rollups.length; i++) {
    const r = rollups[i]!;
    at = buf.writeInt16BE(FIELDS, at);
    text(r.name, 'latin1');
    text(r.kind, 'latin1');
    // jsonb's binary form: a version byte (1), then the JSON text.
    const length = buf.write(labels[i]!, at + 5, 'utf8');
    buf.writeInt32BE(length + 1, at);
    buf[at + 4] = 1;
    at += 5 + length;
    int8(r.start);
    int8(r.end);
    double(r.count);
    double(r.sum);
    double(r.min);
    double(r.max);
    double(r.last);
    text(r.hdr, 'latin1');
    double(r.resolution);
    text(r.service, 'utf8');
    text(r.instance, 'utf8');
  }
  if (trailer) at = buf.writeInt16BE(-1, at);
  return buf.subarray(0, at);
}
