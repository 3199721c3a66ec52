import { seriesKey } from '../core/labels.js';
import type { AlertRecord } from '../storage/records.js';
import { alertLabels } from './alert-records.js';
import { fingerprint } from './fingerprint.js';
import type { RuleBook, RuleEntry } from './rule-book.js';
import type { RuleLookup } from './state-sync.js';

/** The rule id of alerts raised by hand (`triggerAlert`). */
export const MANUAL_RULE_ID = 'manual';

/** Records a rule entry was judged on, by group key (`\u0001`: none), then fingerprint; a changed rule is a new entry. */
const judged = new WeakMap<RuleEntry, Judged>();

interface Judged {
  byGroup: Map<string, Map<string, boolean>>;
  size: number;
}

/** Most judgements kept per rule: its groups are bounded by `maxAlertsPerRule`, hostile records are not. */
const MAX_JUDGED = 10_000;

/**
 * Whether stored alert records still belong to the rules of `book`: the rule exists and is
 * enabled, and the record's group and fingerprint are what the rule gives that group today (a
 * rule renamed, relabelled or regrouped since the record was written no longer owns it).
 * Manual alerts always belong.
 */
export function ruleLookup(book: RuleBook, service: string): RuleLookup {
  return {
    get synced() {
      return book.synced;
    },
    owns(record: AlertRecord): boolean {
      if (record.ruleId === MANUAL_RULE_ID) return record.groupKey === record.fingerprint;
      const entry = book.get(record.ruleId);
      if (entry === undefined || !entry.rule.enabled) return false;
      // Every instance reads every stored record each tick: judge each (group, fingerprint) once per rule version.
      // Keyed by group, then fingerprint: no key made per record and tick.
      let seen = judged.get(entry);
      if (seen === undefined) judged.set(entry, (seen = { byGroup: new Map(), size: 0 }));
      const group = record.groupKey ?? '\u0001';
      let byFingerprint = seen.byGroup.get(group);
      let owned = byFingerprint?.get(record.fingerprint);
      if (owned === undefined) {
        if (seen.size >= MAX_JUDGED) {
          seen.byGroup.clear();
          seen.size = 0;
          byFingerprint = undefined;
        }
        if (byFingerprint === undefined) seen.byGroup.set(group, (byFingerprint = new Map()));
        byFingerprint.set(record.fingerprint, (owned = belongs(entry.rule, record, service)));
        seen.size++;
      }
      return owned;
    },
  };
}

/** True when `record`'s group and fingerprint are what `rule` gives that group today. */
function belongs(rule: RuleEntry['rule'], record: AlertRecord, service: string): boolean {
  const group = groupLabelsOf(record.groupKey ?? '');
  if (group === undefined) return false;
  const labels: Record<string, string> = {};
  for (const name of rule.groupBy) labels[name] = group[name] ?? '';
  if ((rule.groupBy.length === 0 ? '' : seriesKey(labels)) !== record.groupKey) return false;
  const picked: Record<string, string> = {};
  for (const name of rule.groupBy) if (group[name] !== undefined) picked[name] = group[name];
  return fingerprint(alertLabels(rule, picked, service)) === record.fingerprint;
}

/** The labels a group key (JSON of sorted [name, value] pairs) holds; undefined when it is not one. */
function groupLabelsOf(key: string): Record<string, string> | undefined {
  if (key === '') return {};
  let pairs: unknown;
  try {
    pairs = JSON.parse(key);
  } catch {
    return undefined;
  }
  if (!Array.isArray(pairs)) return undefined;
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const p of pairs) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') return undefined;
    out[p[0]] = p[1];
  }
  return out;
}
