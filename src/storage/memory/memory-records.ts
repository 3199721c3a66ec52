import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from '../records.js';

/**
 * `MemoryStorage`'s records: alerts, rules, notification dead letters and job dead letters,
 * each kept as a copy (what is read back is a new copy, as from any store). Alerts and both kinds
 * of dead letters are bounded by `maxRecords` each.
 */
export class MemoryRecords {
  private readonly alerts = new Map<string, AlertRecord>();
  private readonly rules = new Map<string, StoredRule>();
  private readonly deadLetters = new Map<string, DeadLetter>();
  private readonly jobDeadLetters = new Map<string, JobDeadLetter>();

  constructor(private readonly maxRecords: number) {}

  /** Stores a copy of the alert, replacing the one with the same id. */
  saveAlert(alert: AlertRecord): void {
    this.alerts.set(alert.id, structuredClone(alert));
    if (this.alerts.size > this.maxRecords) this.trimAlerts();
  }

  /** Copies of the matching alerts, most recently updated first. */
  queryAlerts(query: AlertQuery): AlertRecord[] {
    const out: AlertRecord[] = [];
    for (const a of this.alerts.values()) {
      if (query.status !== undefined && a.status !== query.status) continue;
      if (query.ruleId !== undefined && a.ruleId !== query.ruleId) continue;
      if (query.fingerprint !== undefined && a.fingerprint !== query.fingerprint) continue;
      if (query.from !== undefined && a.updatedAt < query.from) continue;
      if (query.to !== undefined && a.updatedAt >= query.to) continue;
      out.push(a);
    }
    out.sort((x, y) => y.updatedAt - x.updatedAt || (x.id < y.id ? 1 : -1));
    return out.slice(0, query.limit ?? out.length).map((a) => structuredClone(a));
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
        this.alerts.delete(id);
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
      if (a.status === 'resolved') this.alerts.delete(id);
    }
  }
}

/** Deletes the entries first inserted until `map` holds at most `max`. */
function trimOldest(map: Map<string, unknown>, max: number): void {
  for (const id of map.keys()) {
    if (map.size <= max) return;
    map.delete(id);
  }
}
