import type { MetricKind, Rollup } from '../contract.js';
import { decodeRollup } from './redis-codec.js';
import { plainStringEnd, readNumber, readString, type Scan } from './redis-change-tokens.js';

/**
 * Most label sets a {@link ChangeLineDecoder} keeps parsed between reads (then it starts over):
 * every series of the metrics a reader follows, with room to spare (~400 bytes each for a
 * three-label set with its key text and frozen object: ~40 MB at most).
 */
export const MAX_KEPT_LABELS = 100_000;

const QUOTE = 0x22;
const COMMA = 0x2c;
const TAB = 0x09;

/** The member's fixed parts as encodeRollup writes them (UTF-8 bytes). */
const K = {
  open: lit('{'),
  instance: lit('"instance":'),
  kind: lit('"kind":'),
  start: lit(',"start":'),
  end: lit(',"end":'),
  count: lit(',"count":'),
  sum: lit(',"sum":'),
  min: lit(',"min":'),
  max: lit(',"max":'),
  last: lit(',"last":'),
  hdr: lit(',"hdr":'),
  resolution: lit(',"resolution":'),
  service: lit(',"service":'),
};

const KINDS: readonly MetricKind[] = ['histogram', 'counter', 'gauge'];

interface KeptLabels {
  /** The labels JSON's bytes (as latin1 text: a char a byte), to tell two label sets of one hash apart. */
  key: string;
  /** Frozen: handed out as it is by the shared reads (see `decode`). */
  labels: Readonly<Record<string, string>>;
  /** The label set of the line that came after this one's last time (a writer's batches list its series in one order). */
  next: KeptLabels | undefined;
  /** In the decoder's table (false: another set of its hash is; never linked to or from). */
  kept: boolean;
}


/**
 * Decodes the change log's lines (`labels JSON`, tab, member: see WRITE_BATCH) straight from the
 * reply's bytes. A line's member is read field by field in the order encodeRollup writes them,
 * numbers parsed from their digits (exactly: see {@link readNumber}), with no JSON.parse and no
 * intermediate object: 5,000 rollups a tick cost ~2.7 µs each through JSON.parse, a third of the
 * Redis store's extra cost per tick of fleet evaluation. A line in any other form (a member
 * another version wrote, escapes in a string, a field out of order) is decoded by
 * {@link decodeRollup}, as before. Parsed label sets are kept between reads (bounded by
 * {@link MAX_KEPT_LABELS}): the same series come back every slot. They are frozen, so a shared
 * read (see `decode`) hands out one labels object per series, the same at every read while kept.
 */
export class ChangeLineDecoder {
  private readonly labels = new Map<number, KeptLabels>();
  /** The last instance and service read, reused while lines repeat them (every line of a batch does). */
  private instance: KeptText = { bytes: Buffer.alloc(0), text: '' };
  private service: KeptText = { bytes: Buffer.alloc(0), text: '' };
  private readonly at: Scan = { pos: 0 };
  /** The label set of the line decoded last (reset with the kept sets: see `entryOf`). */
  private last: KeptLabels | undefined;

  /**
   * The rollup of `name` on the line `buf[start, end)`, with its own copy of its labels; with
   * `shared`, with the frozen labels kept for its series instead (the same object for every line
   * of the series while kept: the rule engine's kept series find it by identity, as a
   * MemoryStorage's), for this package's readers only (see storage/shared-changes.ts).
   */
  decode(buf: Buffer, start: number, end: number, name: string, shared = false): Rollup {
    // The labels JSON ends at the line's first tab (it holds no raw tab: JSON escapes control
    // characters). The label set that followed the last line's last time is tried first: one
    // comparison of its bytes, not a hash of the line's labels, a lookup and that comparison.
    let entry = this.last?.next;
    let tab = entry === undefined ? -1 : start + entry.key.length;
    if (entry === undefined || tab >= end || buf[tab] !== TAB || !sameText(entry.key, buf, start, tab)) {
      tab = start;
      let hash = 0x811c9dc5;
      while (tab < end && buf[tab] !== TAB) hash = Math.imul(hash ^ buf[tab++]!, 0x01000193);
      if (tab === end) throw new SyntaxError('a change log line without a member');
      entry = this.entryOf(buf, start, tab, hash);
      // Links only between kept sets: a set not kept (another under its hash) linked from the last
      // line, then to the next, made chains that only the links held, past every bound (crafted
      // colliding labels, one after another: 108 MB, review R3).
      if (this.last !== undefined && entry.kept) this.last.next = entry;
    }
    this.last = entry.kept ? entry : undefined;
    const labels = entry.labels;
    const r = this.member(buf, tab + 1, end, name, labels, shared);
    if (r !== undefined) return r;
    const other = decodeRollup(buf.toString('utf8', tab + 1, end), name, labels);
    if (shared) other.labels = labels;
    return other;
  }

  /** The rollup of `name` whose member is `buf[start, end)` (a series set's member), with its own copy of `labels`. */
  decodeMember(buf: Buffer, start: number, end: number, name: string, labels: Readonly<Record<string, string>>): Rollup {
    return this.member(buf, start, end, name, labels, false) ?? decodeRollup(buf.toString('utf8', start, end), name, labels);
  }

  /**
   * The kept label set of the labels JSON `buf[start, end)`, parsed when not kept. Another label
   * set under the same hash (rare) is not kept (parsed again unless it follows its line's last
   * predecessor, and never linked). Past {@link MAX_KEPT_LABELS} every set is let go, with the
   * links between them: the sets reachable from the decoder are the kept ones.
   */
  private entryOf(buf: Buffer, start: number, end: number, hash: number): KeptLabels {
    const kept = this.labels.get(hash);
    if (kept !== undefined && sameText(kept.key, buf, start, end)) return kept;
    // A plain copy, frozen: what a rollup's own copy of it is (`{}` for a foreign line's `null`), as one object.
    const labels = Object.freeze({ ...(JSON.parse(buf.toString('utf8', start, end)) as Record<string, string>) });
    const entry: KeptLabels = { key: buf.toString('latin1', start, end), labels, next: undefined, kept: kept === undefined };
    if (kept === undefined) {
      if (this.labels.size >= MAX_KEPT_LABELS) {
        this.labels.clear();
        this.last = undefined;
      }
      this.labels.set(hash, entry);
    }
    return entry;
  }

  /** The member `buf[p, end)` in encodeRollup's form (with `labels` itself when `shared`, else a copy); undefined when it is in another. */
  private member(buf: Buffer, p: number, end: number, name: string, kept: Readonly<Record<string, string>>, shared: boolean): Rollup | undefined {
    const at = this.at;
    if (!has(buf, p, K.open)) return undefined;
    p += K.open.length;
    let instance: string | undefined;
    if (has(buf, p, K.instance)) {
      at.pos = p + K.instance.length;
      const text = this.keptText(buf, at, this.instance);
      if (text === undefined) return undefined;
      this.instance = text;
      instance = text.text;
      if (buf[at.pos] !== COMMA) return undefined;
      p = at.pos + 1;
    }
    if (!has(buf, p, K.kind)) return undefined;
    at.pos = p + K.kind.length;
    const kind = readKind(buf, at);
    if (kind === undefined) return undefined;
    // start and end go through no Number() as decodeRollup does not: one stored as a string
    // (another writer's) is left to decodeRollup, which keeps it as it is.
    const start = field(buf, at, K.start, false);
    const slotEnd = field(buf, at, K.end, false);
    const count = field(buf, at, K.count);
    const sum = field(buf, at, K.sum);
    const min = field(buf, at, K.min);
    const max = field(buf, at, K.max);
    if (at.pos < 0) return undefined;
    let last: number | undefined;
    let hdr: string | undefined;
    let resolution: number | undefined;
    let service: string | undefined;
    if (has(buf, at.pos, K.last)) last = field(buf, at, K.last);
    if (has(buf, at.pos, K.hdr)) {
      at.pos += K.hdr.length;
      hdr = readString(buf, at);
      if (hdr === undefined) return undefined;
    }
    if (has(buf, at.pos, K.resolution)) resolution = field(buf, at, K.resolution);
    if (has(buf, at.pos, K.service)) {
      at.pos += K.service.length;
      const text = this.keptText(buf, at, this.service);
      if (text === undefined) return undefined;
      this.service = text;
      service = text.text;
    }
    // Anything left but the closing brace (a field this version does not write) is JSON's to read.
    if (at.pos < 0 || at.pos !== end - 1 || buf[at.pos] !== 0x7d) return undefined;
    const labels = shared ? kept : { ...kept };
    // What a monitor writes (a histogram's slot; a counter's or gauge's) is built whole: one
    // hidden class each, no property added afterwards. The fields in decodeRollup's order.
    if (last === undefined && hdr !== undefined && resolution !== undefined && service !== undefined && instance !== undefined) {
      return { name, kind, labels, start, end: slotEnd, count, sum, min, max, hdr, resolution, service, instance };
    }
    if (last !== undefined && hdr === undefined && resolution === undefined && service !== undefined && instance !== undefined) {
      return { name, kind, labels, start, end: slotEnd, count, sum, min, max, last, service, instance };
    }
    const r: Rollup = { name, kind, labels, start, end: slotEnd, count, sum, min, max };
    if (last !== undefined) r.last = last;
    if (hdr !== undefined) r.hdr = hdr;
    if (resolution !== undefined) r.resolution = resolution;
    if (service !== undefined) r.service = service;
    if (instance !== undefined) r.instance = instance;
    return r;
  }

  /** A string token at `at.pos`, the last one's text when its bytes are the same (no new string a line). */
  private keptText(buf: Buffer, at: Scan, last: KeptText): KeptText | undefined {
    const from = at.pos + 1;
    if (buf[at.pos] !== QUOTE) return undefined;
    const to = plainStringEnd(buf, from);
    if (to < 0) return undefined;
    at.pos = to + 1;
    if (sameBytes(last.bytes, buf, from, to)) return last;
    return { bytes: Buffer.from(buf.subarray(from, to)), text: buf.toString('utf8', from, to) };
  }
}

interface KeptText {
  bytes: Buffer;
  text: string;
}

function lit(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

function has(buf: Buffer, p: number, literal: Buffer): boolean {
  if (p < 0 || p + literal.length > buf.length) return false;
  for (let i = 0; i < literal.length; i++) if (buf[p + i] !== literal[i]) return false;
  return true;
}

function sameText(a: string, buf: Buffer, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a.charCodeAt(i) !== buf[start + i]) return false;
  return true;
}

function sameBytes(a: Buffer, buf: Buffer, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}


function readKind(buf: Buffer, at: Scan): MetricKind | undefined {
  if (buf[at.pos] !== QUOTE) return undefined;
  for (const kind of KINDS) {
    const to = at.pos + 1 + kind.length;
    if (buf[to] !== QUOTE) continue;
    let same = true;
    for (let i = 0; i < kind.length && same; i++) same = buf[at.pos + 1 + i] === kind.charCodeAt(i);
    if (!same) continue;
    at.pos = to + 1;
    return kind;
  }
  return undefined;
}

/**
 * `literal` then a number at `at.pos` (a quoted one too when `quoted`, as {@link readNumber}
 * reads it); `at.pos` becomes -1 (and stays) when they are not there.
 */
function field(buf: Buffer, at: Scan, literal: Buffer, quoted = true): number {
  if (!has(buf, at.pos, literal) || (!quoted && buf[at.pos + literal.length] === QUOTE)) {
    at.pos = -1;
    return 0;
  }
  at.pos += literal.length;
  return readNumber(buf, at);
}

