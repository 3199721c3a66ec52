import type { AlertRecord } from '../storage/records.js';

/** Where one rule and label set stands (Prometheus' states; resolved alerts are `inactive`). */
export type AlertPhase = 'pending' | 'firing' | 'inactive';

/** The engine's memory of one rule and label set. */
export interface AlertState {
  ruleId: string;
  groupKey: string;
  /** Full alert labels (identity): alertname, severity, service, group and rule labels. */
  labels: Record<string, string>;
  fingerprint: string;
  phase: AlertPhase;
  activeAt: number;
  firedAt?: number | undefined;
  resolvedAt?: number | undefined;
  keepFiringSince?: number | undefined;
  value: number | null;
  /** The alert record, from the moment it fires. */
  record?: AlertRecord | undefined;
  /** The episode's record id, from the moment it is pending (its stored pending record, then its firing record). */
  episodeId?: string | undefined;
  /** While pending: the stored pending record (status `pending`), until the episode fires or ends. */
  pendingRecord?: AlertRecord | undefined;
  /** A firing notification of this episode reached the human channels' queues. */
  humanNotified: boolean;
  /** Last firing notification to human channels (the cooldown counts from here). */
  lastHumanAt?: number | undefined;
  /** Last post to state channels (Alertmanager), firing or resolved. */
  lastStateAt?: number | undefined;
  /** Notifications made for this alert, for unique notification ids. */
  sequence: number;
  /** Times this instance wrote back an acknowledgement the stored record lost (bounded: see state-sync.ts). */
  ackRewrites?: number | undefined;
}

/** What one evaluation did to a state. */
export type Transition = 'none' | 'pending' | 'fired' | 'resolved' | 'dropped' | 'repending';

/** Timing of a rule, for {@link step}. */
export interface RuleTiming {
  duration: number;
  keepFiringFor: number;
}

/**
 * One evaluation of one label set, Prometheus' `rules/alerting.go` order: a present candidate
 * becomes pending (activeAt = ts) or updates its value; a pending one fires once
 * `ts - activeAt >= duration`; a firing one whose `duration` was raised goes back to pending;
 * an absent firing one keeps firing inside `keepFiringFor`, else resolves; an absent pending one
 * is dropped. `state` is updated in place (a new one is returned for a new candidate).
 */
export function step(
  state: AlertState | undefined,
  present: boolean,
  ts: number,
  timing: RuleTiming,
  create: () => AlertState,
): { state: AlertState | undefined; transition: Transition } {
  if (present) {
    if (state === undefined || state.phase === 'inactive') {
      const fresh = create();
      fresh.phase = 'pending';
      fresh.activeAt = ts;
      if (timing.duration === 0) return fire(fresh, ts);
      return { state: fresh, transition: 'pending' };
    }
    state.keepFiringSince = undefined;
    if (state.record !== undefined) state.record.recovering = undefined;
    if (state.phase === 'pending' && ts - state.activeAt >= timing.duration) return fire(state, ts);
    if (state.phase === 'firing' && ts - state.activeAt < timing.duration) {
      state.phase = 'pending';
      state.firedAt = undefined;
      return { state, transition: 'repending' };
    }
    return { state, transition: 'none' };
  }
  if (state === undefined || state.phase === 'inactive') return { state, transition: 'none' };
  if (state.phase === 'pending') return { state: undefined, transition: 'dropped' };
  if (timing.keepFiringFor > 0) {
    state.keepFiringSince ??= ts;
    if (ts - state.keepFiringSince < timing.keepFiringFor) {
      if (state.record !== undefined) state.record.recovering = true;
      return { state, transition: 'none' };
    }
  }
  state.phase = 'inactive';
  state.resolvedAt = ts;
  state.keepFiringSince = undefined;
  return { state, transition: 'resolved' };
}

function fire(state: AlertState, ts: number): { state: AlertState; transition: Transition } {
  state.phase = 'firing';
  state.firedAt = ts;
  return { state, transition: 'fired' };
}

/** Alert states by rule, then by group: a rule's states are found without scanning every alert. */
export class StateTable {
  private readonly byRule = new Map<string, Map<string, AlertState>>();

  get(ruleId: string, groupKey: string): AlertState | undefined {
    return this.byRule.get(ruleId)?.get(groupKey);
  }

  set(state: AlertState): void {
    let groups = this.byRule.get(state.ruleId);
    if (groups === undefined) this.byRule.set(state.ruleId, (groups = new Map()));
    groups.set(state.groupKey, state);
  }

  delete(ruleId: string, groupKey: string): void {
    const groups = this.byRule.get(ruleId);
    if (groups === undefined) return;
    groups.delete(groupKey);
    if (groups.size === 0) this.byRule.delete(ruleId);
  }

  /** One rule's states by group key, read only (undefined: none); callers change them through {@link StateTable.set} and {@link StateTable.delete}. */
  ofRuleMap(ruleId: string): ReadonlyMap<string, AlertState> | undefined {
    return this.byRule.get(ruleId);
  }

  /**
   * Calls `fn` with every state, in the order of {@link StateTable.all}, without copying the list:
   * `fn` may delete the state it is given (a deleted state not yet visited is not visited), and
   * must not add any.
   */
  forEach(fn: (state: AlertState) => void): void {
    for (const groups of this.byRule.values()) for (const s of groups.values()) fn(s);
  }

  /** Group keys of one rule's states. */
  groupKeys(ruleId: string): Iterable<string> {
    return this.byRule.get(ruleId)?.keys() ?? [];
  }

  /** Every state, in place: for callers that change nothing while iterating (see {@link StateTable.all}). */
  *values(): IterableIterator<AlertState> {
    for (const groups of this.byRule.values()) yield* groups.values();
  }

  /** Every state (a copy of the list, so callers may delete while iterating). */
  all(): AlertState[] {
    const out: AlertState[] = [];
    for (const groups of this.byRule.values()) for (const s of groups.values()) out.push(s);
    return out;
  }

  /** Every state of one rule (a copy of the list). */
  ofRule(ruleId: string): AlertState[] {
    return [...(this.byRule.get(ruleId)?.values() ?? [])];
  }
}
