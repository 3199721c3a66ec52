import type { AlertRecord } from '../storage/records.js';
import { describeValue, refreshRecord, type RuleIdentity } from './alert-records.js';
import type { NormalizedCondition } from './rule-schema.js';

/** An alert's message, formatted only where it is stored or sent: most label sets of most ticks change nothing. */
export function messageOf(conditions: readonly NormalizedCondition[], combined: boolean | null, value: number | null): string {
  return combined === null ? `no data for ${describeValue(conditions[0], null)}` : describeValue(conditions[0], value);
}

/** What {@link refreshFiring} last wrote into a record, from what. */
interface Written {
  condition: NormalizedCondition | undefined;
  noData: boolean;
  value: number | null;
  rule: Pick<RuleIdentity, 'name' | 'annotations'>;
  message: string;
  summary: string | undefined;
}

/** Per firing record (a record replaced, e.g. adopted from the store, starts afresh). */
const written = new WeakMap<AlertRecord, Written>();

/**
 * {@link refreshRecord} with the message of `value` under `conditions`, for a firing alert at
 * every tick: skipped when the record still holds exactly what this function last wrote into it
 * from the same condition, rule, value and missing-data case (about half of the firing alerts of
 * a steady tick keep their value), since the message would come out the same. Anything else
 * that changed the record (a follower copying another instance's, a hand-made change) makes it
 * written again.
 */
export function refreshFiring(record: AlertRecord, rule: Pick<RuleIdentity, 'name' | 'annotations'>, conditions: readonly NormalizedCondition[], combined: boolean | null, value: number | null): void {
  const condition = conditions[0];
  const threshold = condition?.threshold ?? null;
  const noData = combined === null;
  const last = written.get(record);
  if (
    last !== undefined &&
    last.condition === condition &&
    last.noData === noData &&
    last.rule === rule &&
    Object.is(last.value, value) &&
    Object.is(record.value, value) &&
    Object.is(record.threshold, threshold) &&
    record.message === last.message &&
    (rule.annotations.summary !== undefined || record.annotations.summary === last.summary)
  ) {
    return;
  }
  const message = messageOf(conditions, combined, value);
  refreshRecord(record, rule, message, value, threshold);
  const summary = record.annotations.summary;
  if (last === undefined) {
    written.set(record, { condition, noData, value, rule, message, summary });
    return;
  }
  // Written in place: about half of the firing alerts change value at every tick.
  last.condition = condition;
  last.noData = noData;
  last.value = value;
  last.rule = rule;
  last.message = message;
  last.summary = summary;
}
