import type { CapabilityContext } from '../capability.js';
import { scheduleAligned } from '../core/schedule-aligned.js';
import { ConfigError, LimitError, NotFoundError, PulsewatchError, StorageError, ValidationError, isPulsewatchError } from '../core/errors.js';
import { validationErrorOf } from '../core/options.js';
import type { NotificationDispatcher } from '../notifiers/dispatcher.js';
import type { AlertQuery, AlertRecord } from '../storage/records.js';
import { AlertNotifier } from './alert-notifier.js';
import { alertLabels, newRecord, refreshRecord, type RuleIdentity } from './alert-records.js';
import { StateTable, type AlertState } from './alert-state.js';
import { fingerprint } from './fingerprint.js';
import { manualAlertSchema, type ManualAlertInput } from './manual-alert.js';
import type { ResolvedAlertEngineOptions } from './options.js';
import { RuleBook } from './rule-book.js';
import { EvaluationLease } from './evaluation-lease.js';
import { PendingRecords } from './pending-records.js';
import { MANUAL_RULE_ID, ruleLookup } from './record-owner.js';
import type { AlertLimits, EvaluationResult } from './evaluation-result.js';
import { RuleEvaluator } from './rule-evaluator.js';
import type { AlertRule, AlertRuleInput } from './rule-schema.js';
import { StateSync } from './state-sync.js';
import { recordById, storedFiring } from './stored-alerts.js';

export type { AlertLimits, EvaluationResult } from './evaluation-result.js';

const MANUAL = MANUAL_RULE_ID;

/** Defaults of {@link AlertLimits}, the same as `createMonitor`'s `limits`. */
export const DEFAULT_ALERT_LIMITS: Readonly<AlertLimits> = Object.freeze({ maxRules: 500, maxAlertsPerRule: 1000 });

/**
 * The rule engine behind `monitor.alerts`: rules (persisted through storage, shared by every
 * instance on the same store), Prometheus' pending/firing/resolved state machine per rule and
 * label set, cooldowns as Alertmanager's repeat interval, and notifications through the
 * dispatcher. Evaluation runs every `evaluationInterval` and on {@link AlertEngine.evaluate}.
 */
export class AlertEngine {
  private readonly book: RuleBook;
  private readonly states = new StateTable();
  private readonly byId = new Map<string, AlertState>();
  private readonly notifier: AlertNotifier;
  private readonly evaluator: RuleEvaluator;
  private readonly sync: StateSync;
  private readonly lease: EvaluationLease;
  private readonly stopTimer: () => void;
  private running: Promise<EvaluationResult> | undefined;
  private stopped = false;

  /** Created by the monitor; use `monitor.alerts`. */
  constructor(
    private readonly ctx: CapabilityContext,
    private readonly dispatcher: NotificationDispatcher,
    private readonly options: ResolvedAlertEngineOptions,
    private readonly limits: AlertLimits = DEFAULT_ALERT_LIMITS,
  ) {
    this.notifier = new AlertNotifier(ctx, dispatcher, options);
    this.book = new RuleBook(ctx, (name) => dispatcher.notifiers.some((n) => n.name === name), options.syncInterval, limits.maxRules);
    // A pending record is written again at least 4 times within the outage tolerance.
    const records = new PendingRecords(this.notifier, ctx.service, Math.max(options.evaluationInterval, options.outageTolerance / 4), options.sharedEvaluation);
    const shared = { book: this.book, states: this.states, byId: this.byId, notifier: this.notifier, records };
    this.evaluator = new RuleEvaluator(ctx, shared, options, limits);
    this.sync = new StateSync(ctx, this.states, this.byId, this.notifier, options.outageTolerance);
    this.lease = new EvaluationLease(ctx, options.evaluationInterval);
    // The tick's evaluation goes back to the clock (it never rejects): a ManualClock's idle() waits for it.
    // A tick that throws is reported and the next one still runs (schedule-aligned.ts).
    this.stopTimer = scheduleAligned(ctx.clock, options.evaluationInterval, () => this.evaluate(), (error) =>
      ctx.report(isPulsewatchError(error) ? error : new PulsewatchError('ERR_PULSEWATCH_INTERNAL', `an alert evaluation threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
    );
  }

  // ---- rules --------------------------------------------------------------------------------

  /**
   * Validates and stores a new rule; rejects with a ValidationError naming the failing field (an
   * `id` already in the store, even one another instance created, is `taken`), or a LimitError
   * (`limits.maxRules`) when the monitor already holds that many rules. To declare a rule at
   * start-up on every instance, use {@link AlertEngine.ensureRule}.
   */
  createRule(input: AlertRuleInput): Promise<AlertRule> {
    return this.book.create(input);
  }

  /**
   * Declares a rule at start-up, idempotently, by its `id`: creates it when the store has no
   * rule with that id, updates it when the definition changed (same id and createdAt, a later
   * updatedAt), and writes nothing when it is the same. Every instance and every restart can run
   * the same declaration: a shared store ends with one rule. Rejects with a ValidationError
   * (no `id`, or a bad field), a StorageError when the store cannot be read or written, or a
   * LimitError (`limits.maxRules`) for a new rule past the bound.
   */
  ensureRule(input: AlertRuleInput & { id: string }): Promise<AlertRule> {
    return this.book.ensure(input);
  }

  /** Creates several rules (a rule pack); stops at the first invalid one. */
  async createRules(inputs: readonly AlertRuleInput[]): Promise<AlertRule[]> {
    const out: AlertRule[] = [];
    for (const input of inputs) out.push(await this.book.create(input));
    return out;
  }

  /** Changes fields of a rule; rejects with NotFoundError for an unknown id. */
  async updateRule(id: string, patch: Partial<AlertRuleInput>): Promise<AlertRule> {
    const before = this.book.get(id)?.identity;
    const rule = await this.book.update(id, patch);
    // Disabled, or a new alert identity: what the rule holds ends now on every instance, as
    // deleteRule's does (the evaluating instance would end it at its next rule sync only).
    if (this.options.sharedEvaluation && (!rule.enabled || this.book.get(id)?.identity !== before)) {
      await this.evaluator.dropRule(id);
      await this.sync.endStored(id, this.ctx.clock.now());
    }
    return rule;
  }

  /** Deletes a rule; its firing alerts resolve (and say so). Rejects with NotFoundError for an unknown id. */
  async deleteRule(id: string): Promise<void> {
    await this.book.delete(id);
    await this.evaluator.dropRule(id);
    // The evaluating instance reads rule changes at its next sync: what it stored for the rule
    // since this instance last read the store is ended here, or it would fire meanwhile.
    if (this.options.sharedEvaluation) await this.sync.endStored(id, this.ctx.clock.now());
  }

  /** Every rule, oldest first. */
  getRules(): AlertRule[] {
    return this.book.list().map((e) => structuredClone(e.rule));
  }

  /** One rule, or undefined. */
  getRule(id: string): AlertRule | undefined {
    const e = this.book.get(id);
    return e === undefined ? undefined : structuredClone(e.rule);
  }

  // ---- alerts -------------------------------------------------------------------------------

  /** Firing alerts (manual ones included), most severe first, then oldest first. */
  getActiveAlerts(): AlertRecord[] {
    const rank = { critical: 0, error: 1, warning: 2, info: 3 };
    return this.states
      .all()
      .filter((s) => s.phase === 'firing' && s.record !== undefined)
      .map((s) => structuredClone(s.record!))
      .sort((a, b) => rank[a.severity] - rank[b.severity] || a.startsAt - b.startsAt);
  }

  /** Label sets whose condition holds but whose `duration` has not passed yet. */
  getPendingAlerts(): { ruleId: string; labels: Record<string, string>; activeAt: number; value: number | null }[] {
    return this.states.all().filter((s) => s.phase === 'pending').map((s) => ({ ruleId: s.ruleId, labels: { ...s.labels }, activeAt: s.activeAt, value: s.value }));
  }

  /**
   * Stored alert records (firing and resolved), most recent first. Pending records (what the
   * store keeps so `for` survives restarts) and pending episodes that never fired are left out,
   * unless `status: 'pending'` asks for them; so a page may hold fewer than `limit` records.
   */
  async getAlertHistory(query: AlertQuery = {}): Promise<AlertRecord[]> {
    let records: AlertRecord[];
    try {
      records = await this.ctx.storage.queryAlerts({ limit: 100, ...query });
    } catch (cause) {
      throw new StorageError(`reading alert history from "${this.ctx.storage.name}" storage failed`, { cause });
    }
    if (query?.status === 'pending') return records;
    return records.filter((r) => r?.status !== 'pending' && r?.neverFired !== true);
  }

  /** Marks a firing alert acknowledged: no repeat notifications until it resolves. */
  async acknowledge(id: string, by: string): Promise<AlertRecord> {
    const st = this.firingById(id);
    const record = st.record!;
    if (record.acknowledgedAt === undefined) {
      await this.confirmFiring(st);
      record.acknowledgedBy = String(by);
      record.acknowledgedAt = this.ctx.clock.now();
      record.updatedAt = record.acknowledgedAt;
      await this.notifier.save(record);
      this.ctx.emit('alertAcknowledged', structuredClone(record));
    }
    return structuredClone(record);
  }

  /** Resolves a firing alert by hand (seed 003's resolve). A rule whose condition still holds fires again after its `duration`. */
  async resolve(id: string): Promise<AlertRecord> {
    const st = this.firingById(id);
    await this.confirmFiring(st);
    st.phase = 'inactive';
    st.resolvedAt = this.ctx.clock.now();
    await this.notifier.resolved(st, st.resolvedAt);
    return structuredClone(st.record!);
  }

  /**
   * With shared evaluation, another instance may have resolved the alert since this one last
   * read the store: writing this instance's copy would make it firing again (and a resolve would
   * send a second resolved message). Reads the stored record first; when the store says it is no
   * longer firing, this instance forgets it and rejects with NotFoundError. A store that cannot
   * be read is passed over: acting beats refusing.
   */
  private async confirmFiring(st: AlertState): Promise<void> {
    if (!(await this.stillFiring(st))) throw new NotFoundError('active alert', st.record!.id);
  }

  /** {@link AlertEngine.confirmFiring}'s check: false (and `st` forgotten) when the store says it no longer fires. */
  private async stillFiring(st: AlertState): Promise<boolean> {
    if (!this.options.sharedEvaluation) return true;
    const record = st.record!;
    const stored = await storedFiring(this.ctx.storage, record.fingerprint);
    if (stored === undefined || recordById(stored, record.id) !== undefined) return true;
    if (this.notifier.isUnsaved(record.id)) return true;
    this.states.delete(st.ruleId, st.groupKey);
    this.byId.delete(record.id);
    return false;
  }

  /**
   * Raises an alert by hand (seed 000's `triggerAlert`). An identical alert (same name and
   * labels) already firing is updated instead of duplicated; notifications respect the cooldown.
   * A new one past `limits.maxAlertsPerRule` firing manual alerts rejects with a LimitError.
   */
  async triggerAlert(input: ManualAlertInput): Promise<AlertRecord> {
    const parsed = manualAlertSchema.safeParse(input);
    if (!parsed.success) throw validationErrorOf('invalid manual alert', parsed.error.issues);
    const a = parsed.data;
    const unknown = a.channels.filter((c) => !this.dispatcher.notifiers.some((n) => n.name === c));
    if (unknown.length > 0) {
      throw new ValidationError(`invalid manual alert: channels: no notifier named ${unknown.map((c) => JSON.stringify(c)).join(', ')}`, [{ path: 'channels', message: `unknown channel ${unknown.join(', ')}` }]);
    }
    const ts = this.ctx.clock.now();
    const rule: RuleIdentity = { id: MANUAL, name: a.name, description: a.description, severity: a.severity, type: a.type, channels: a.channels, recipients: a.recipients, alertLabels: a.labels, annotations: a.annotations };
    const labels = alertLabels(rule, {}, this.ctx.service);
    const fp = fingerprint(labels);
    // Triggered again before this instance read the store (just after a restart, or on another
    // instance within one tick): the stored alert is updated, not duplicated.
    let existing = this.states.get(MANUAL, fp);
    // Resolved on another instance since this one read the store: triggering it again starts a
    // new alert, not the resolved one firing again under its id.
    if (existing?.phase === 'firing' && existing.record !== undefined && !(await this.stillFiring(existing))) existing = undefined;
    if (existing?.phase !== 'firing' && this.options.sharedEvaluation) existing = (await this.sync.adoptFiring(fp, MANUAL)) ?? existing;
    if (existing?.phase === 'firing' && existing.record !== undefined) {
      refreshRecord(existing.record, rule, a.message, a.value ?? null);
      existing.record.updatedAt = ts;
      existing.value = a.value ?? null;
      await this.notifier.save(existing.record);
      await this.notifier.maybeRepeat(existing, ts, a.cooldown ?? this.options.cooldowns[a.severity]);
      return structuredClone(existing.record);
    }
    const max = this.limits.maxAlertsPerRule;
    if (this.states.ofRule(MANUAL).filter((s) => s.phase === 'firing').length >= max) {
      this.ctx.drop('alert_limit', 1);
      throw new LimitError('limits.maxAlertsPerRule', max, `manual alert "${a.name}" refused: ${max} manual alerts are firing (limits.maxAlertsPerRule)`);
    }
    const st: AlertState = { ruleId: MANUAL, groupKey: fp, labels, fingerprint: fp, phase: 'firing', activeAt: ts, firedAt: ts, value: a.value ?? null, humanNotified: false, sequence: 0 };
    st.record = newRecord(crypto.randomUUID(), rule, st, a.message, a.threshold ?? null, this.ctx.service, ts);
    this.states.set(st);
    this.byId.set(st.record.id, st);
    await this.notifier.fired(st, ts, a.cooldown ?? this.options.cooldowns[a.severity], 'manual');
    return structuredClone(st.record);
  }

  // ---- evaluation ---------------------------------------------------------------------------

  /**
   * Evaluates every enabled rule once. With instances sharing a store (`sharedEvaluation`, the
   * default), only the instance holding this tick's evaluation lease evaluates; the others read
   * the alerts it stored (`evaluated: false` in the result). Never rejects: failures go to the
   * `error` event. Runs never overlap.
   */
  evaluate(): Promise<EvaluationResult> {
    const at = this.ctx.clock.now();
    this.running ??= (this.stopped ? Promise.resolve(emptyResult(at)) : this.tick(at))
      .catch((error: unknown) => {
        this.ctx.report(isPulsewatchError(error) ? error : new ConfigError(`alert evaluation failed: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
        return emptyResult(at);
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /**
   * One tick: save the alert records the store refused while it was down, then evaluate (taking
   * the tick's lease first when evaluation is shared) or, when another instance holds the lease,
   * mirror the alerts it stored. Before evaluating, the stored pending and firing alerts are
   * merged in: how a restart resumes `for`, and how an instance taking over from another
   * continues its alerts.
   */
  private async tick(at: number): Promise<EvaluationResult> {
    if (this.notifier.hasUnsaved) await this.notifier.retryUnsaved();
    if (!this.options.sharedEvaluation) return this.evaluator.run(at);
    const rules = ruleLookup(this.book, this.ctx.service);
    if (!(await this.lease.acquire(at))) return this.evaluator.follow(at, () => this.sync.pull(rules, at, false));
    const result = await this.evaluator.run(at, () => this.sync.pull(rules, at, true));
    await this.lease.extend(at);
    return result;
  }

  /** Stops the evaluation timer and waits for an evaluation in progress (the monitor calls it from `close()`). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopTimer();
    await this.running;
    // The last chance to store what the store refused while it was down (close() bounds the wait).
    if (this.notifier.hasUnsaved) await this.notifier.retryUnsaved();
  }

  // ---- helpers ------------------------------------------------------------------------------

  private firingById(id: string): AlertState {
    const st = this.byId.get(id);
    if (st === undefined || st.phase !== 'firing' || st.record === undefined) throw new NotFoundError('active alert', id);
    return st;
  }

}

function emptyResult(at: number): EvaluationResult {
  return { at, rules: 0, pending: 0, firing: 0, triggered: [], resolved: [], durationMs: 0, evaluated: false };
}
