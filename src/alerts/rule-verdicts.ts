import type { AlertState, StateTable } from './alert-state.js';
import { compare } from './conditions.js';
import { noValues, type GroupValues } from './evaluate-conditions.js';
import type { AlertRule, NormalizedCondition } from './rule-schema.js';

/** What one evaluation says about one label set of a rule, before the state machine runs. */
export interface Verdict {
  groupKey: string;
  current: AlertState | undefined;
  /** Each condition's value (null: no data). */
  values: (number | null)[];
  /** The conditions joined by `match`: null when data is missing and decides the outcome. */
  combined: boolean | null;
  /** The label set counts as a result of the rule's expression (a candidate alert). */
  present: boolean;
  /** No data under `noData: 'keep'`: the state stays as it is. */
  keep: boolean;
}

/**
 * Verdicts for every label set the rule has data for or holds a state of (those with data first,
 * in the order of `groups`). A firing alert is compared against its recovery threshold
 * (hysteresis), others against the threshold. Runs for every rule on every tick: one object
 * per label set, no intermediate sets or arrays.
 */
export function verdictsOf(rule: AlertRule, conditions: readonly NormalizedCondition[], groups: ReadonlyMap<string, GroupValues>, states: StateTable): Verdict[] {
  const out: Verdict[] = [];
  // The rule's states, looked up once (not per label set); forEach: no [key, value] array per label set.
  const held = states.ofRuleMap(rule.id);
  groups.forEach((group, groupKey) => out.push(verdictOf(rule, conditions, groupKey, group.values, held?.get(groupKey))));
  held?.forEach((current, groupKey) => {
    if (!groups.has(groupKey)) out.push(verdictOf(rule, conditions, groupKey, noValues(conditions.length), current));
  });
  return out;
}

function verdictOf(rule: AlertRule, conditions: readonly NormalizedCondition[], groupKey: string, values: (number | null)[], current: AlertState | undefined): Verdict {
  const firing = current?.phase === 'firing';
  let anyTrue = false;
  let anyFalse = false;
  let anyNull = false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === null) {
      anyNull = true;
      continue;
    }
    const c = conditions[i]!;
    if (compare(c.op, v, firing && c.recoveryThreshold !== undefined ? c.recoveryThreshold : c.threshold)) anyTrue = true;
    else anyFalse = true;
  }
  // `any`: one met condition decides; `all`: one unmet condition decides; else missing data does.
  let combined: boolean | null;
  if (rule.match === 'any') combined = anyTrue ? true : anyNull ? null : false;
  else combined = anyFalse ? false : anyNull ? null : true;
  const keep = combined === null && rule.noData === 'keep';
  return { groupKey, current, values, combined, present: combined ?? rule.noData === 'alerting', keep };
}

/**
 * How many alerts (pending + firing) the rule would hold after applying `verdicts` at `ts`: the
 * number Prometheus compares with a rule's `limit`, computed before any state changes so a rule
 * past its limit creates nothing. Mirrors {@link step}: a candidate is pending or firing; an
 * absent pending alert goes; an absent firing one stays only inside `keepFiringFor`.
 */
export function activeAfter(verdicts: readonly Verdict[], rule: AlertRule, ts: number): number {
  let n = 0;
  for (const v of verdicts) {
    const phase = v.current?.phase;
    if (v.keep) {
      if (phase === 'pending' || phase === 'firing') n++;
    } else if (v.present) {
      n++;
    } else if (phase === 'firing' && rule.keepFiringFor > 0 && ts - (v.current!.keepFiringSince ?? ts) < rule.keepFiringFor) {
      n++;
    }
  }
  return n;
}
