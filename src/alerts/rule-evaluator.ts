import type { CapabilityContext } from '../capability.js';
import { ConfigError, LimitError, isPulsewatchError } from '../core/errors.js';
import { alertLabels, newRecord } from './alert-records.js';
import { messageOf, refreshFiring } from './alert-message.js';
import { step, type AlertState, type StateTable } from './alert-state.js';
import type { AlertLimits, EvaluationResult, EvaluatorState } from './evaluation-result.js';
import { evaluateConditions, type ConditionScope } from './evaluate-conditions.js';
import { capBaselines, saveBaselines } from './learned-baselines.js';
import { fingerprint } from './fingerprint.js';
import { ruleLookup } from './record-owner.js';
import type { ResolvedAlertEngineOptions } from './options.js';
import type { RuleBook, RuleEntry } from './rule-book.js';
import type { AlertNotifier } from './alert-notifier.js';
import type { AlertRule, NormalizedCondition } from './rule-schema.js';
import { activeAfter, verdictsOf } from './rule-verdicts.js';
import type { PendingRecords } from './pending-records.js';
import type { PullResult } from './state-sync.js';
import { cooldownOf, countPhases, limitOf, noState, pick } from './evaluator-parts.js';
import { TickCaches } from './tick-caches.js';
import type { WindowReader } from './window-reader.js';

/**
 * One evaluation of every rule: sync rules from storage, read each rule's conditions, check its
 * alert limit, step each label set through Prometheus' state machine and notify. Split from
 * {@link AlertEngine}, which keeps the public API and when evaluations run.
 */
export class RuleEvaluator {
  /** Per rule, the alert identity its states were made with. */
  private readonly identities = new Map<string, string>();
  private readonly book: RuleBook;
  private readonly states: StateTable;
  private readonly byId: Map<string, AlertState>;
  private readonly notifier: AlertNotifier;
  private readonly records: PendingRecords;
  /** Per rule entry, what its conditions read besides the window (see {@link scopeOf}). */
  private readonly scopes = new WeakMap<RuleEntry, ConditionScope>();
  /** The windows' data kept between ticks. */
  private readonly caches: TickCaches;

  constructor(
    private readonly ctx: CapabilityContext,
    shared: EvaluatorState,
    private readonly options: ResolvedAlertEngineOptions,
    private readonly limits: AlertLimits,
  ) {
    ({ book: this.book, states: this.states, byId: this.byId, notifier: this.notifier, records: this.records } = shared);
    this.caches = new TickCaches(ctx);
  }

  /**
   * One evaluation of every enabled rule at `ts` (the engine keeps runs from overlapping).
   * `pull` runs once the rules are read and before any is evaluated: the engine merges the
   * alerts stored by other instances there.
   */
  async run(ts: number, pull?: () => Promise<PullResult>): Promise<EvaluationResult> {
    const started = this.ctx.clock.monotonic();
    const result: EvaluationResult = { at: ts, rules: 0, pending: 0, firing: 0, triggered: [], resolved: [], durationMs: 0, evaluated: true };
    for (const id of await this.book.sync()) await this.dropRule(id);
    // Forget deleted rules, so rule churn does not grow this map.
    for (const id of this.identities.keys()) if (this.book.get(id) === undefined) this.identities.delete(id);
    const pulled = await pull?.();
    // An alert of this instance ended elsewhere: perhaps its rule was deleted there. Read the
    // rules now, not at the next sync, or the deleted rule fires again here meanwhile.
    if (pulled?.endedElsewhere === true) for (const id of await this.book.sync(true)) await this.dropRule(id);
    const entries: RuleEntry[] = [];
    for (const e of this.book.list()) {
      // A disabled rule, or one whose alert identity changed (name, severity, labels...), resolves
      // what it left firing; the new identity fires afresh, as a changed Prometheus rule does.
      // A rule seen for the first time keeps the states restored from the store (their identity
      // was checked when they were read).
      const identity = e.identity;
      const known = this.identities.get(e.rule.id);
      // Unknown here yet, the rule may still hold states this instance mirrored while another
      // evaluated: one made under an identity changed since (on this instance, before the other
      // read the change) is dropped like one of a changed rule.
      const stale = known === undefined && e.rule.enabled && this.holdsOtherIdentity(e);
      if (!e.rule.enabled || (known !== undefined && known !== identity) || stale) await this.dropRule(e.rule.id);
      if (e.rule.enabled) this.identities.set(e.rule.id, identity);
      else this.identities.delete(e.rule.id);
      if (e.rule.enabled) entries.push(e);
    }
    const conditions: NormalizedCondition[] = [];
    for (const e of entries) for (const c of e.conditions) conditions.push(c);
    const reader = this.caches.reader(ts, conditions);
    const learners: RuleEntry[] = [];
    for (const entry of entries) {
      result.rules++;
      try {
        const learned = entry.baselines.size;
        await this.evaluateRule(entry, reader, ts, result);
        if (entry.baselines.size > learned) {
          capBaselines(entry);
          learners.push(entry);
        }
        entry.failing = false;
      } catch (error) {
        // Reported when a rule starts failing, not at every evaluation of an outage.
        if (!entry.failing) {
          entry.failing = true;
          this.ctx.report(isPulsewatchError(error) ? error : new ConfigError(`rule "${entry.rule.name}" failed to evaluate: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
        }
      }
    }
    // What no rule read this tick is not kept for the next.
    this.caches.retain(reader);
    // One read of the rules for every rule that learned a baseline this tick.
    await saveBaselines(this.ctx, learners);
    this.refreshStateChannels(ts);
    countPhases(this.states, result);
    result.durationMs = this.ctx.clock.monotonic() - started;
    return result;
  }

  /**
   * A tick another instance evaluates: read the rules and mirror the alerts it stored (`pull`),
   * sending nothing. States of rules deleted elsewhere are forgotten here; the evaluating
   * instance resolves and notifies.
   */
  async follow(ts: number, pull: () => Promise<PullResult>): Promise<EvaluationResult> {
    const started = this.ctx.clock.monotonic();
    const result: EvaluationResult = { at: ts, rules: 0, pending: 0, firing: 0, triggered: [], resolved: [], durationMs: 0, evaluated: false };
    for (const id of await this.book.sync()) {
      for (const st of this.states.ofRule(id)) {
        this.states.delete(id, st.groupKey);
        if (st.record !== undefined) this.byId.delete(st.record.id);
      }
    }
    // The next time this instance evaluates, it judges identities afresh against what it pulled,
    // and reads the store afresh: what it kept is let go while another instance evaluates.
    this.identities.clear();
    this.caches.clear();
    await pull();
    this.forgetResolved(ts);
    countPhases(this.states, result);
    result.durationMs = this.ctx.clock.monotonic() - started;
    return result;
  }

  private async evaluateRule(entry: RuleEntry, reader: WindowReader, ts: number, result: EvaluationResult): Promise<void> {
    const { rule, conditions } = entry;
    const groups = await evaluateConditions(reader, conditions, rule.groupBy, this.scopeOf(entry), rule.name);
    const verdicts = verdictsOf(rule, conditions, groups, this.states);
    const active = activeAfter(verdicts, rule, ts);
    if (active > limitOf(rule, this.limits)) {
      await this.overLimit(entry, active);
      return;
    }
    entry.overLimit = false;
    for (const { groupKey, current, values, combined, present, keep } of verdicts) {
      // No data under `noData: 'keep'`, or no state and no candidate: nothing changes (most
      // label sets of a quiet rule on most ticks).
      if (keep || (current === undefined && !present)) continue;
      const value = values[0] ?? null;
      // A state is made only for a new candidate: no closure per label set and tick otherwise.
      const create = present && (current === undefined || current.phase === 'inactive') ? () => this.newState(rule, groupKey, groups.get(groupKey)?.labels ?? current?.labels ?? {}, value, ts) : noState;
      const { state, transition } = step(current, present, ts, rule, create);
      // A new episode replaces a resolved one: forget the old record's id.
      if (current?.record !== undefined && state !== current) this.byId.delete(current.record.id);
      if (state === undefined) {
        if (transition === 'dropped' && current !== undefined) await this.records.close(current, ts);
        this.states.delete(rule.id, groupKey);
        continue;
      }
      this.states.set(state);
      if (present) state.value = value;
      if (transition === 'pending') {
        await this.records.save(rule, state, messageOf(conditions, combined, value), conditions[0]?.threshold ?? null, ts);
      } else if (transition === 'fired') {
        state.record = newRecord(state.episodeId ?? crypto.randomUUID(), rule, state, messageOf(conditions, combined, value), conditions[0]?.threshold ?? null, this.ctx.service, ts);
        // The firing record has the pending record's id: it replaces it in the store.
        state.pendingRecord = undefined;
        this.byId.set(state.record.id, state);
        result.triggered.push(structuredClone(state.record));
        await this.notifier.fired(state, ts, cooldownOf(rule, this.options), 'first notification');
      } else if (transition === 'resolved' || transition === 'repending') {
        if (state.record !== undefined) {
          await this.notifier.resolved(state, ts);
          result.resolved.push(structuredClone(state.record));
          if (transition === 'repending') {
            // Back to pending under a raised `duration`: a new episode, stored as pending.
            this.byId.delete(state.record.id);
            state.record = undefined;
            state.episodeId = crypto.randomUUID();
            await this.records.save(rule, state, messageOf(conditions, combined, value), conditions[0]?.threshold ?? null, ts);
          }
        }
      } else if (state.phase === 'pending') {
        if (this.records.heartbeatDue(state, ts)) await this.records.heartbeat(state, ts);
      } else if (state.phase === 'firing' && state.record !== undefined) {
        if (present) refreshFiring(state.record, rule, conditions, combined, value);
        const cooldown = cooldownOf(rule, this.options);
        // Checked here first: awaiting a repeat that is not due, for every firing alert and tick, cost a promise each.
        if (this.notifier.repeatDue(state, ts, cooldown)) await this.notifier.maybeRepeat(state, ts, cooldown);
      }
    }
  }

  /** Some state of `entry`'s rule has a record its current version does not own (another alert identity). */
  private holdsOtherIdentity(entry: RuleEntry): boolean {
    const states = this.states.ofRuleMap(entry.rule.id);
    if (states === undefined || states.size === 0) return false;
    const owner = ruleLookup(this.book, this.ctx.service);
    for (const st of states.values()) {
      const record = st.record ?? st.pendingRecord;
      if (record !== undefined && !owner.owns(record)) return true;
    }
    return false;
  }

  /** The state of a new candidate alert (pending; `step` fires it at once when the rule has no `duration`). */
  private newState(rule: AlertRule, groupKey: string, groupLabels: Readonly<Record<string, string>>, value: number | null, ts: number): AlertState {
    const labels = alertLabels(rule, pick(groupLabels, rule.groupBy), this.ctx.service);
    return { ruleId: rule.id, groupKey, labels, fingerprint: fingerprint(labels), phase: 'pending', activeAt: ts, value, humanNotified: false, sequence: 0, episodeId: crypto.randomUUID() };
  }

  /**
   * What the conditions of `entry` read besides the window, made once per rule: a closure made
   * per rule and tick cost a measured share of a 1,000-rule tick (each is named on creation under
   * the bench's loader, and collected after).
   */
  private scopeOf(entry: RuleEntry): ConditionScope {
    let scope = this.scopes.get(entry);
    if (scope === undefined) {
      const metrics = this.ctx.metrics;
      scope = {
        // recordMetric lower-cases metricType names; a rule naming one as written still finds it.
        metric: (name) => metrics.get(name) ?? metrics.get(name.toLowerCase()),
        baselines: entry.baselines,
        invalid: (error) => this.book.reportOnce(entry, error),
      };
      this.scopes.set(entry, scope);
    }
    return scope;
  }

  /**
   * Prometheus' rule `limit`, for a rule whose evaluation would leave it with `active` alerts
   * (pending + firing, counted by `activeAfter` before any state changes), more than its limit:
   * the evaluation fails and the rule holds none: firing alerts resolve (and say so), pending
   * ones go, nothing new is created. The label sets are counted as dropped (`alert_limit`) and
   * reported when the rule goes over, not on every tick.
   */
  private async overLimit(entry: RuleEntry, active: number): Promise<void> {
    const { rule } = entry;
    const max = this.limits.maxAlertsPerRule;
    const limit = limitOf(rule, this.limits);
    await this.dropRule(rule.id);
    if (!entry.overLimit) {
      entry.overLimit = true;
      this.ctx.drop('alert_limit', active);
      const option = rule.limit !== 0 && rule.limit < max ? 'limit' : 'limits.maxAlertsPerRule';
      this.ctx.report(new LimitError(option, limit, `rule "${rule.name}" exceeded its limit of ${limit} alerts with ${active}; it holds no alerts until an evaluation is back within the limit`));
    }
  }

  /**
   * Forgets resolved alerts past `resolvedRetention`, then re-posts firing alerts to state
   * channels every `resendDelay` (resolved ones until they are forgotten). One pass over the
   * states, no copy of their list: it runs at every tick over every alert, and what it forgets
   * is never re-posted, so the re-posts are the same as after a pass that only forgets.
   */
  private refreshStateChannels(ts: number): void {
    const { resendDelay } = this.options;
    this.states.forEach((st) => {
      if (this.forgets(st, ts)) return;
      if (st.record === undefined) return;
      if (st.lastStateAt !== undefined && ts - st.lastStateAt >= resendDelay) this.notifier.notifyState(st, ts, 'state refresh');
    });
  }

  /** Forgets resolved alerts once `resolvedRetention` passed (on every instance, evaluating or not). */
  private forgetResolved(ts: number): void {
    this.states.forEach((st) => this.forgets(st, ts));
  }

  /** Forgets `st` when it resolved more than `resolvedRetention` ago; true when it did. */
  private forgets(st: AlertState, ts: number): boolean {
    if (st.phase !== 'inactive' || ts - (st.resolvedAt ?? ts) <= this.options.resolvedRetention) return false;
    this.states.delete(st.ruleId, st.groupKey);
    if (st.record !== undefined) this.byId.delete(st.record.id);
    return true;
  }

  /** Resolves what a deleted rule left firing. */
  async dropRule(id: string): Promise<void> {
    const ts = this.ctx.clock.now();
    for (const st of this.states.ofRule(id)) {
      if (st.phase === 'firing' && st.record !== undefined) {
        st.phase = 'inactive';
        st.resolvedAt = ts;
        await this.notifier.resolved(st, ts);
      }
      if (st.phase === 'pending') {
        await this.records.close(st, ts);
        this.states.delete(id, st.groupKey);
      }
    }
  }
}
