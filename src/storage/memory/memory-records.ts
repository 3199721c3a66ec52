import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from '../records.js';

/**
 * `MemoryStorage`'s records: alerts, rules, notification dead letters and job dead letters,
 * each kept as a copy (what is read back is a new copy, as from any store). Alerts and both kinds
 * of dead letters are bounded by `maxRecords` each.
 */
export class MemoryRecords {
  private readonly alerts = new Map<string, AlertRecord>();
  /** The alerts again, by status: the engine reads the active ones at every tick, past any number of resolved ones. */
  private readonly byStatus = new Map<string, Map<string, AlertRecord>>();
  /**
   * Each alert's place in `alerts` (first insertion): a status's map is in another order (an
   * alert moves to its end when saved again), and the answer's sort keeps the input order of
   * what its comparator does not tell apart (an `updatedAt` that is NaN or missing).
   */
  private readonly places = new Map<string, number>();
  private nextPlace = 0;
  private readonly rules = new Map<string, StoredRule>();
  private readonly deadLetters = new Map<string, DeadLetter>();
  private readonly jobDeadLetters = new Map<string, JobDeadLetter>();

  constructor(private readonly maxRecords: number) {}

  /** Stores a copy of the alert, replacing the one with the same id. */
  saveAlert(alert: AlertRecord): void {
    // structuredClone on the way in: the caller's object may hold getters, proxies or anything
    // else a plain copy cannot tell apart without running it; what is stored is then plain data.
    const copy = structuredClone(alert);
    // Replaced in place: trimming goes by first insertion.
    const previous = this.alerts.get(copy.id);
    if (previous !== undefined) this.unindex(previous);
    else this.places.set(copy.id, this.nextPlace++);
    this.alerts.set(copy.id, copy);
    let sameStatus = this.byStatus.get(copy.status);
    if (sameStatus === undefined) this.byStatus.set(copy.status, (sameStatus = new Map()));
    sameStatus.set(copy.id, copy);
    if (this.alerts.size > this.maxRecords) this.trimAlerts();
  }

  /** Copies of the matching alerts, most recently updated first. */
  queryAlerts(query: AlertQuery): AlertRecord[] {
    const out: AlertRecord[] = [];
    const candidates = query.status === undefined ? this.alerts : (this.byStatus.get(query.status) ?? NONE);
    for (const a of candidates.values()) {
      if (query.status !== undefined && a.status !== query.status) continue;
      if (query.ruleId !== undefined && a.ruleId !== query.ruleId) continue;
      if (query.fingerprint !== undefined && a.fingerprint !== query.fingerprint) continue;
      if (query.from !== undefined && a.updatedAt < query.from) continue;
      if (query.to !== undefined && a.updatedAt >= query.to) continue;
      out.push(a);
    }
    // In the order of `alerts`, as a scan of it gives them.
    if (candidates !== this.alerts && out.length > 1) out.sort((x, y) => this.places.get(x.id)! - this.places.get(y.id)!);
    out.sort((x, y) => y.updatedAt - x.updatedAt || (x.id < y.id ? 1 : -1));
    const kept = out.slice(0, query.limit ?? out.length);
    // Copied in place: every evaluating instance reads every active alert at every tick.
    for (let i = 0; i < kept.length; i++) kept[i] = copyRecord(kept[i]!);
    return kept;
  }

  /** Stores a copy of the rule, replacing the one with the same id. */
  saveRule(rule: StoredRule): void {
    this.rules.set(rule.id, structuredClone(rule));
  }

  /** Deletes a rule; true if it existed. */
  deleteRule(id: string): boolean {
    return this.rules.delete(id);
  }

  /** Copies of every rule, oldest first. */
  listRules(): StoredRule[] {
    return [...this.rules.values()].sort((a, b) => a.createdAt - b.createdAt).map((r) => structuredClone(r));
  }

  /** Stores a copy of the dead letter, replacing the one with the same id. */
  saveDeadLetter(letter: DeadLetter): void {
    this.deadLetters.set(letter.id, structuredClone(letter));
    trimOldest(this.deadLetters, this.maxRecords);
  }

  /** Copies of the matching dead letters, oldest first. */
  listDeadLetters(query: DeadLetterQuery): DeadLetter[] {
    const out = [...this.deadLetters.values()].filter((d) => query.channel === undefined || d.channel === query.channel);
    out.sort((a, b) => a.failedAt - b.failedAt);
    return out.slice(0, query.limit ?? out.length).map((d) => structuredClone(d));
  }

  /** Deletes a dead letter; true if it existed. */
  deleteDeadLetter(id: string): boolean {
    return this.deadLetters.delete(id);
  }

  /** Stores a copy of the job dead letter, replacing the one with the same id. */
  saveJobDeadLetter(letter: JobDeadLetter): void {
    this.jobDeadLetters.set(letter.id, structuredClone(letter));
    trimOldest(this.jobDeadLetters, this.maxRecords);
  }

  /** Copies of the matching job dead letters, oldest first. */
  listJobDeadLetters(query: JobDeadLetterQuery): JobDeadLetter[] {
    const out = [...this.jobDeadLetters.values()].filter((d) => query.job === undefined || d.job === query.job);
    out.sort((a, b) => a.failedAt - b.failedAt);
    return out.slice(0, query.limit ?? out.length).map((d) => structuredClone(d));
  }

  /** Deletes a job dead letter; true if it existed. */
  deleteJobDeadLetter(id: string): boolean {
    return this.jobDeadLetters.delete(id);
  }

  /** Removes the alerts resolved before `timestamp` (by their end, else their last update); returns how many went. */
  removeResolvedBefore(timestamp: number): number {
    let removed = 0;
    for (const [id, a] of this.alerts) {
      if (a.status === 'resolved' && (a.endsAt ?? a.updatedAt) < timestamp) {
        this.deleteAlert(id);
        removed++;
      }
    }
    return removed;
  }

  /** Removes the dead letters of both kinds that failed before `timestamp`; returns how many went. */
  removeLettersBefore(timestamp: number): number {
    let removed = 0;
    for (const letters of [this.deadLetters, this.jobDeadLetters]) {
      for (const [id, d] of letters) {
        if (d.failedAt < timestamp) {
          letters.delete(id);
          removed++;
        }
      }
    }
    return removed;
  }

  /** Past `maxRecords`: the oldest resolved alerts go (in insertion order); firing ones stay, bounded by the rule limits. */
  private trimAlerts(): void {
    for (const [id, a] of this.alerts) {
      if (this.alerts.size <= this.maxRecords) return;
      if (a.status === 'resolved') this.deleteAlert(id);
    }
  }

  private deleteAlert(id: string): void {
    const a = this.alerts.get(id);
    if (a === undefined) return;
    this.alerts.delete(id);
    this.places.delete(id);
    this.unindex(a);
  }

  /** Takes `a` out of the status index; a status left without alerts goes (statuses are whatever callers store). */
  private unindex(a: AlertRecord): void {
    const sameStatus = this.byStatus.get(a.status);
    if (sameStatus === undefined) return;
    sameStatus.delete(a.id);
    if (sameStatus.size === 0) this.byStatus.delete(a.status);
  }
}

const NONE: ReadonlyMap<string, AlertRecord> = new Map();

/** Nesting past which {@link copyRecord} leaves the record to `structuredClone` (records are two levels deep). */
const PLAIN_DEPTH = 8;

/** What {@link copyValue} gives for a value it does not copy itself: the whole record goes to `structuredClone`. */
const OTHER: unique symbol = Symbol('other');

/**
 * A copy of a record, exactly what `structuredClone` gives, made without serializing when the
 * record is plain data (strings, numbers, booleans, null, undefined, plain or prototype-less
 * objects and dense arrays, no object reached twice, no own `__proto__` key); anything else (a
 * Date, a Map, a class instance, a shared or cyclic object, a sparse array, deeper nesting) is
 * copied whole by `structuredClone`. For records `structuredClone` made (MemoryRecords stores
 * those): it has no getters or proxies to run, so giving up halfway changes nothing.
 */
export function copyRecord<T extends object>(record: T): T {
  const copy = copyValue(record, 0, new Set());
  return (copy === OTHER ? structuredClone(record) : copy) as T;
}

function copyValue(v: unknown, depth: number, seen: Set<object>): unknown {
  if (typeof v !== 'object' || v === null) return typeof v === 'function' || typeof v === 'symbol' ? OTHER : v;
  if (depth >= PLAIN_DEPTH || seen.has(v)) return OTHER;
  seen.add(v);
  const proto = Object.getPrototypeOf(v) as unknown;
  if (Array.isArray(v)) {
    const n = v.length;
    if (proto !== Array.prototype || Object.keys(v).length !== n) return OTHER;
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) {
      // n keys, each an index: no hole and no other key.
      if (!Object.hasOwn(v, i)) return OTHER;
      const c = copyValue(v[i], depth + 1, seen);
      if (c === OTHER) return OTHER;
      out[i] = c;
    }
    return out;
  }
  if (proto !== Object.prototype && proto !== null) return OTHER;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    // An own "__proto__" key: `out[k] =` would set the copy's prototype instead.
    if (k === '__proto__') return OTHER;
    const c = copyValue((v as Record<string, unknown>)[k], depth + 1, seen);
    if (c === OTHER) return OTHER;
    out[k] = c;
  }
  return out;
}

/** Deletes the entries first inserted until `map` holds at most `max`. */
function trimOldest(map: Map<string, unknown>, max: number): void {
  for (const id of map.keys()) {
    if (map.size <= max) return;
    map.delete(id);
  }
}
