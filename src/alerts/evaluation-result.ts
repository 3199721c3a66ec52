import type { AlertRecord } from '../storage/records.js';
import type { AlertNotifier } from './alert-notifier.js';
import type { AlertState, StateTable } from './alert-state.js';
import type { PendingRecords } from './pending-records.js';
import type { RuleBook } from './rule-book.js';

/** What one {@link AlertEngine.evaluate} did. */
export interface EvaluationResult {
  /** When the evaluation ran (ms). */
  at: number;
  rules: number;
  pending: number;
  firing: number;
  triggered: AlertRecord[];
  resolved: AlertRecord[];
  durationMs: number;
  /**
   * This instance evaluated the rules. False when another instance sharing the store held this
   * tick's evaluation lease: this one then only read the alerts from the store (`rules` is 0).
   */
  evaluated: boolean;
}

/** The engine's bounds (`createMonitor({ limits })`). */
export interface AlertLimits {
  /** Most rules one monitor evaluates: `createRule` past it rejects, stored rules past it are skipped. */
  maxRules: number;
  /** Most alerts (pending + firing) per rule, and the ceiling of a rule's own `limit`. */
  maxAlertsPerRule: number;
}

/** What the evaluator shares with the engine: the engine's API reads and changes the same states. */
export interface EvaluatorState {
  book: RuleBook;
  states: StateTable;
  /** Firing and recently resolved alerts by record id. */
  byId: Map<string, AlertState>;
  notifier: AlertNotifier;
  records: PendingRecords;
}
