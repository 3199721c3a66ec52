import type { AlertState, StateTable } from './alert-state.js';
import type { AlertLimits, EvaluationResult } from './evaluation-result.js';
import type { ResolvedAlertEngineOptions } from './options.js';
import type { AlertRule } from './rule-schema.js';
import { ownLabel } from './schema-parts.js';

/* Small pure helpers of RuleEvaluator (rule-evaluator.ts), kept apart to hold that file under the house size. */

/** Counts the pending and firing states into `result`. */
export function countPhases(states: StateTable, result: EvaluationResult): void {
  states.forEach((s) => {
    if (s.phase === 'pending') result.pending++;
    else if (s.phase === 'firing') result.firing++;
  });
}

/** `step`'s `create` where no state can be made (not a new candidate): never called. */
export function noState(): AlertState {
  throw new Error('no alert state is made for a label set that is not a new candidate');
}

/** The labels of `labels` named in `names` (own properties only). */
export function pick(labels: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = ownLabel(labels, n);
    if (v !== undefined) out[n] = v;
  }
  return out;
}

/** The most alerts `rule` may hold: its own `limit`, bounded by `limits.maxAlertsPerRule`. */
export function limitOf(rule: AlertRule, limits: AlertLimits): number {
  const max = limits.maxAlertsPerRule;
  return rule.limit === 0 ? max : Math.min(rule.limit, max);
}

/** How long `rule`'s repeats wait: its `cooldown`, its `cooldownPeriod` (seconds), or the engine's default for its severity. */
export function cooldownOf(rule: AlertRule, options: ResolvedAlertEngineOptions): number {
  return rule.cooldown ?? (rule.cooldownPeriod !== undefined ? rule.cooldownPeriod * 1000 : options.cooldowns[rule.severity]);
}
