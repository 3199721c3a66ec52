import type { AlertRule, NormalizedCondition } from './rule-schema.js';

/** A rule with what evaluating it needs. */
export interface RuleEntry {
  rule: AlertRule;
  conditions: NormalizedCondition[];
  /** Baselines learned by `regression` conditions, per condition and group. */
  baselines: Map<string, number>;
  /** Problems already reported, so a broken rule reports once, not every tick. */
  reported: Set<string>;
  /** The last evaluation failed (storage down): the next failure is not reported again. */
  failing: boolean;
  /** What makes up its alerts' identity and message: when it changes, their alerts resolve. */
  identity: string;
  /** The last evaluation went past the rule's alert limit (reported once per excursion). */
  overLimit: boolean;
}
