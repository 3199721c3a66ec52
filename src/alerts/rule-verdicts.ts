import type { AlertState, StateTable } from './alert-state.js';
import { compare } from './conditions.js';
import type { GroupValues } from './evaluate-conditions.js';
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
 * Verdicts for every label set the rule has data for or holds a state of. A firing alert is
 * compared against its recovery threshold (hysteresis), others against the threshold.
 */
export function verdictsOf(rule: AlertRule, conditions: readonly NormalizedCondition[], groups: ReadonlyMap<string, GroupValues>, states: StateTable): Verdict[] {
  const keys = new Set(groups.keys());
  for (const groupKey of states.groupKeys(rule.id)) keys.add(groupKey);
  const out: Verdict[] = [];
  for (const groupKey of keys) {
    const current = states.get(rule.id, groupKey);
    const values = groups.get(groupKey)?.values ?? conditions.map(() => null);
    const firing = current?.phase === 'firing';
    const met = values.map((v, i) => {
      if (v === null) return null;
      const c = conditions[i]!;
      return compare(c.op, v, firing && c.recoveryThreshold !== undefined ? c.recoveryThreshold : c.threshold);
    });
    let combined: boolean | null;
    if (rule.match === 'any') combined = met.some((m) => m === true) ? true : met.every((m) => m === false) ? false : null;
    else combined = met.some((m) => m === false) ? false : met.every((m) => m === true) ? true : null;
    const keep = combined === null && rule.noData === 'keep';
    out.push({ groupKey, current, values, combined, present: combined ?? rule.noData === 'alerting', keep });
  }
  return out;
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
