/**
 * Checks the rule book makes on what callers and the store hand it: a caller's rule or patch,
 * and the bookkeeping fields of a stored rule before its own fields are validated.
 */
import { ValidationError } from '../core/errors.js';
import { validationErrorOf } from '../core/options.js';
import type { StoredRule } from '../storage/records.js';
import { alertRuleSchema, callerRuleIssues, conditionsOf } from './rule-schema.js';

/** The conditions of a stored rule as JSON, or undefined when it does not validate. */
export function storedConditions(stored: StoredRule): string | undefined {
  const parsed = alertRuleSchema.safeParse(stored);
  return parsed.success ? JSON.stringify(conditionsOf(parsed.data)) : undefined;
}

/** Throws what a caller's rule or patch gets wrong that parsed rules never do (a bare-number `duration`). */
export function refuseCallerIssues(input: unknown, currentDuration?: number): void {
  const issues = callerRuleIssues(input, currentDuration);
  if (issues.length > 0) throw validationErrorOf('invalid alert rule', issues, 'rule');
}

/** The error for a rule id another rule holds. */
export function takenError(id: string): ValidationError {
  return new ValidationError(`invalid alert rule: id: "${id}" is taken`, [{ path: 'id', message: 'is taken' }]);
}

/** A non-null object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The bookkeeping fields a stored rule needs before its own fields can be validated. */
export function isStoredRule(v: unknown): v is StoredRule {
  return isRecord(v) && typeof v.id === 'string' && v.id.length > 0 && Number.isFinite(v.createdAt) && Number.isFinite(v.updatedAt);
}

/** A stored entry's id, or a short JSON of an entry without one (to report it once). */
export function storedIdOf(v: unknown): string {
  if (isRecord(v) && typeof v.id === 'string') return v.id;
  try {
    return (JSON.stringify(v) ?? String(v)).slice(0, 100);
  } catch {
    return String(v).slice(0, 100);
  }
}
