import type { CapabilityContext } from '../capability.js';
import { scheduleAligned } from '../core/clock.js';
import { ConfigError, LimitError, NotFoundError, StorageError, ValidationError, isPulsewatchError } from '../core/errors.js';
import { validationErrorOf } from '../core/options.js';
import type { NotificationDispatcher } from '../notifiers/dispatcher.js';
import type { AlertQuery, AlertRecord } from '../storage/records.js';
import { AlertNotifier } from './alert-notifier.js';
import { alertLabels, describeValue, newRecord, type RuleIdentity } from './alert-records.js';
import { StateTable, step, type AlertState } from './alert-state.js';
import { evaluateConditions } from './evaluate-conditions.js';
import { fingerprint } from './fingerprint.js';
import { manualAlertSchema, type ManualAlertInput } from './manual-alert.js';
import type { ResolvedAlertEngineOptions } from './options.js';
import { RuleBook, type RuleEntry } from './rule-book.js';
import { lookbacksOf, type AlertRule, type AlertRuleInput } from './rule-schema.js';
import { activeAfter, verdictsOf, type Verdict } from './rule-verdicts.js';
import { SampleStore } from './samples.js';
import { ownLabel } from './schema-parts.js';
import { WindowReader } from './window-reader.js';

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
}

const MANUAL = 'manual';

/** The engine's bounds (`createMonitor({ limits })`). */
export interface AlertLimits {
  /** Most rules one monitor evaluates: `createRule` past it rejects, stored rules past it are skipped. */
  maxRules: number;
  /** Most alerts (pending + firing) per rule, and the ceiling of a rule's own `limit`. */
  maxAlertsPerRule: number;
}

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
  private readonly samples = new SampleStore();
  /** Per rule, the alert identity its states were made with. */
  private readonly identities = new Map<string, string>();
  private readonly notifier: AlertNotifier;
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
    this.stopTimer = scheduleAligned(ctx.clock, options.evaluationInterval, () => {
      void this.evaluate();
    });
  }

  // ---- rules --------------------------------------------------------------------------------

  /**
   * Validates and stores a rule; rejects with a ValidationError naming the failing field, or a
   * LimitError (`limits.maxRules`) when the monitor already holds that many rules.
   */
  createRule(input: AlertRuleInput): Promise<AlertRule> {
    return this.book.create(input);
  }

  /** Creates several rules (a rule pack); stops at the first invalid one. */
  async createRules(inputs: readonly AlertRuleInput[]): Promise<AlertRule[]> {
    const out: AlertRule[] = [];
    for (const input of inputs) out.push(await this.book.create(input));
    return out;
  }

  /** Changes fields of a rule; rejects with NotFoundError for an unknown id. */
  updateRule(id: string, patch: Partial<AlertRuleInput>): Promise<AlertRule> {
    return this.book.update(id, patch);
  }

  /** Deletes a rule; its firing alerts resolve (and say so). Rejects with NotFoundError for an unknown id. */
  async deleteRule(id: string): Promise<void> {
    await this.book.delete(id);
    await this.dropRule(id);
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

  /** Stored alert records (firing and resolved), most recent first. */
  async getAlertHistory(query: AlertQuery = {}): Promise<AlertRecord[]> {
    try {
      return await this.ctx.storage.queryAlerts({ limit: 100, ...query });
    } catch (cause) {
      throw new StorageError(`reading alert history from "${this.ctx.storage.name}" storage failed`, { cause });
    }
  }

  /** Marks a firing alert acknowledged: no repeat notifications until it resolves. */
  async acknowledge(id: string, by: string): Promise<AlertRecord> {
    const st = this.firingById(id);
    const record = st.record!;
    if (record.acknowledgedAt === undefined) {
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
    st.phase = 'inactive';
    st.resolvedAt = this.ctx.clock.now();
    await this.notifier.resolved(st, st.resolvedAt);
    return structuredClone(st.record!);
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
    const existing = this.states.get(MANUAL, fp);
    if (existing?.phase === 'firing' && existing.record !== undefined) {
      Object.assign(existing.record, { message: a.message, value: a.value ?? null, updatedAt: ts });
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

  /** Evaluates every enabled rule once. Never rejects: failures go to the `error` event. Runs never overlap. */
  evaluate(): Promise<EvaluationResult> {
    const at = this.ctx.clock.now();
    this.running ??= this.runEvaluation()
      .catch((error: unknown) => {
        this.ctx.report(isPulsewatchError(error) ? error : new ConfigError(`alert evaluation failed: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
        return { at, rules: 0, pending: 0, firing: 0, triggered: [], resolved: [], durationMs: 0 };
      })
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Stops the evaluation timer and waits for an evaluation in progress (the monitor calls it from `close()`). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopTimer();
    await this.running;
  }

  private async runEvaluation(): Promise<EvaluationResult> {
    const started = this.ctx.clock.monotonic();
    const ts = this.ctx.clock.now();
    const result: EvaluationResult = { at: ts, rules: 0, pending: 0, firing: 0, triggered: [], resolved: [], durationMs: 0 };
    if (this.stopped) return result;
    for (const id of await this.book.sync()) await this.dropRule(id);
    const entries: RuleEntry[] = [];
    for (const e of this.book.list()) {
      // A disabled rule, or one whose alert identity changed (name, severity, labels...), resolves
      // what it left firing; the new identity fires afresh, as a changed Prometheus rule does.
      const identity = e.identity;
      if (!e.rule.enabled || this.identities.get(e.rule.id) !== identity) await this.dropRule(e.rule.id);
      if (e.rule.enabled) this.identities.set(e.rule.id, identity);
      else this.identities.delete(e.rule.id);
      if (e.rule.enabled) entries.push(e);
    }
    this.sampleCounters(entries, ts);
    const reader = new WindowReader(this.ctx, this.samples, ts);
    for (const entry of entries) {
      result.rules++;
      try {
        await this.evaluateRule(entry, reader, ts, result);
        entry.failing = false;
      } catch (error) {
        // Reported when a rule starts failing, not at every evaluation of an outage.
        if (!entry.failing) {
          entry.failing = true;
          this.ctx.report(isPulsewatchError(error) ? error : new ConfigError(`rule "${entry.rule.name}" failed to evaluate: ${(error as Error)?.message ?? String(error)}`, { cause: error }));
        }
      }
    }
    await this.refreshStateChannels(ts);
    for (const s of this.states.all()) {
      if (s.phase === 'pending') result.pending++;
      else if (s.phase === 'firing') result.firing++;
    }
    result.durationMs = this.ctx.clock.monotonic() - started;
    return result;
  }

  private async evaluateRule(entry: RuleEntry, reader: WindowReader, ts: number, result: EvaluationResult): Promise<void> {
    const { rule, conditions } = entry;
    const groups = await evaluateConditions(reader, conditions, rule.groupBy, {
      // recordMetric lower-cases metricType names; a rule naming one as written still finds it.
      metric: (name) => this.ctx.metrics.get(name) ?? this.ctx.metrics.get(name.toLowerCase()),
      baselines: entry.baselines,
      invalid: (error) => this.book.reportOnce(entry, error),
    }, rule.name);
    const verdicts = verdictsOf(rule, conditions, groups, this.states);
    if (!(await this.withinLimit(entry, verdicts, ts))) return;
    for (const { groupKey, current, values, combined, present, keep } of verdicts) {
      if (keep) continue;
      const value = values[0] ?? null;
      const groupLabels = groups.get(groupKey)?.labels ?? current?.labels ?? {};
      const { state, transition } = step(current, present, ts, rule, () => {
        const labels = alertLabels(rule, pick(groupLabels, rule.groupBy), this.ctx.service);
        return { ruleId: rule.id, groupKey, labels, fingerprint: fingerprint(labels), phase: 'pending', activeAt: ts, value, humanNotified: false, sequence: 0 };
      });
      // A new episode replaces a resolved one: forget the old record's id.
      if (current?.record !== undefined && state !== current) this.byId.delete(current.record.id);
      if (state === undefined) {
        this.states.delete(rule.id, groupKey);
        continue;
      }
      this.states.set(state);
      if (present) state.value = value;
      const message = combined === null ? `no data for ${describeValue(conditions[0], null)}` : describeValue(conditions[0], value);
      if (transition === 'fired') {
        state.record = newRecord(crypto.randomUUID(), rule, state, message, conditions[0]?.threshold ?? null, this.ctx.service, ts);
        this.byId.set(state.record.id, state);
        result.triggered.push(structuredClone(state.record));
        await this.notifier.fired(state, ts, this.cooldownOf(rule), 'first notification');
      } else if (transition === 'resolved' || transition === 'repending') {
        if (state.record !== undefined) {
          await this.notifier.resolved(state, ts);
          result.resolved.push(structuredClone(state.record));
          if (transition === 'repending') state.record = undefined;
        }
      } else if (state.phase === 'firing' && state.record !== undefined) {
        if (present) Object.assign(state.record, { value, message });
        await this.notifier.maybeRepeat(state, ts, this.cooldownOf(rule));
      }
    }
  }

  /**
   * Prometheus' rule `limit`: when this evaluation would leave the rule with more alerts
   * (pending + firing) than its limit, the evaluation fails and the rule holds none: firing
   * alerts resolve (and say so), pending ones go, nothing new is created. The label sets are
   * counted as dropped (`alert_limit`) and reported when the rule goes over, not on every tick.
   */
  private async withinLimit(entry: RuleEntry, verdicts: readonly Verdict[], ts: number): Promise<boolean> {
    const { rule } = entry;
    const max = this.limits.maxAlertsPerRule;
    const limit = rule.limit === 0 ? max : Math.min(rule.limit, max);
    const active = activeAfter(verdicts, rule, ts);
    if (active <= limit) {
      entry.overLimit = false;
      return true;
    }
    await this.dropRule(rule.id);
    if (!entry.overLimit) {
      entry.overLimit = true;
      this.ctx.drop('alert_limit', active);
      const option = rule.limit !== 0 && rule.limit < max ? 'limit' : 'limits.maxAlertsPerRule';
      this.ctx.report(new LimitError(option, limit, `rule "${rule.name}" exceeded its limit of ${limit} alerts with ${active}; it holds no alerts until an evaluation is back within the limit`));
    }
    return false;
  }

  /** Samples the counters and gauges rules read, keeping as much history as their windows need. */
  private sampleCounters(entries: readonly RuleEntry[], ts: number): void {
    const keep = new Map<string, number>();
    for (const e of entries) for (const c of e.conditions) keep.set(c.metric, Math.max(keep.get(c.metric) ?? 0, ...lookbacksOf(c)));
    for (const [name, ms] of keep) {
      const metric = this.ctx.metrics.get(name);
      if (metric !== undefined && metric.kind !== 'histogram') this.samples.sample(metric, ts, ms + this.options.evaluationInterval);
    }
    this.samples.retain(new Set(keep.keys()));
  }

  /** Re-posts firing alerts to state channels every `resendDelay`, resolved ones until `resolvedRetention` passes. */
  private async refreshStateChannels(ts: number): Promise<void> {
    for (const st of this.states.all()) {
      if (st.record === undefined) continue;
      if (st.phase === 'inactive' && ts - (st.resolvedAt ?? ts) > this.options.resolvedRetention) {
        this.states.delete(st.ruleId, st.groupKey);
        this.byId.delete(st.record.id);
        continue;
      }
      if (st.lastStateAt !== undefined && ts - st.lastStateAt >= this.options.resendDelay) this.notifier.notifyState(st, ts, 'state refresh');
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  private cooldownOf(rule: AlertRule): number {
    return rule.cooldown ?? (rule.cooldownPeriod !== undefined ? rule.cooldownPeriod * 1000 : this.options.cooldowns[rule.severity]);
  }

  private firingById(id: string): AlertState {
    const st = this.byId.get(id);
    if (st === undefined || st.phase !== 'firing' || st.record === undefined) throw new NotFoundError('active alert', id);
    return st;
  }

  /** Resolves what a deleted rule left firing. */
  private async dropRule(id: string): Promise<void> {
    const ts = this.ctx.clock.now();
    for (const st of this.states.ofRule(id)) {
      if (st.phase === 'firing' && st.record !== undefined) {
        st.phase = 'inactive';
        st.resolvedAt = ts;
        await this.notifier.resolved(st, ts);
      }
      if (st.phase === 'pending') this.states.delete(id, st.groupKey);
    }
  }

}


function pick(labels: Readonly<Record<string, string>>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = ownLabel(labels, n);
    if (v !== undefined) out[n] = v;
  }
  return out;
}
