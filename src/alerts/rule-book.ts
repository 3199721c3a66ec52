import type { CapabilityContext } from '../capability.js';
import { NotFoundError, StorageError, ValidationError, type PulsewatchError } from '../core/errors.js';
import { validationErrorOf } from '../core/options.js';
import type { StoredRule } from '../storage/records.js';
import { alertRuleSchema, conditionsOf, type AlertRule, type AlertRuleInput, type NormalizedCondition } from './rule-schema.js';

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
}

/**
 * The rules of one engine, kept in memory and in storage. Every instance on the same store
 * reads the stored rules back (`sync`), so a rule created on one is evaluated by all.
 */
export class RuleBook {
  private readonly entries = new Map<string, RuleEntry>();
  private lastSync = -Infinity;

  constructor(
    private readonly ctx: CapabilityContext,
    private readonly hasChannel: (name: string) => boolean,
    private readonly syncInterval: number,
  ) {}

  /** Validates, stores and adds a rule. */
  async create(input: AlertRuleInput): Promise<AlertRule> {
    const now = this.ctx.clock.now();
    const rule = this.parse(input, crypto.randomUUID(), now, now);
    if (this.entries.has(rule.id)) throw new ValidationError(`invalid alert rule: id: "${rule.id}" is taken`, [{ path: 'id', message: 'is taken' }]);
    await this.store(rule);
    return structuredClone(rule);
  }

  /** Applies `patch` to a rule (fields not in the patch stay). */
  async update(id: string, patch: Partial<AlertRuleInput>): Promise<AlertRule> {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new NotFoundError('rule', id);
    if (patch === null || typeof patch !== 'object') throw new ValidationError('invalid rule update: expected an object of fields', [{ path: '', message: 'expected an object' }]);
    const { createdAt, updatedAt, ...current } = entry.rule;
    // Bump by at least 1 ms so instances comparing updatedAt see the change.
    const rule = this.parse({ ...current, ...patch, id } as AlertRuleInput, id, createdAt, Math.max(this.ctx.clock.now(), updatedAt + 1));
    await this.store(rule);
    return structuredClone(rule);
  }

  /** Deletes a rule from memory and storage. */
  async delete(id: string): Promise<void> {
    if (!this.entries.has(id)) throw new NotFoundError('rule', id);
    try {
      await this.ctx.storage.deleteRule(id);
    } catch (cause) {
      throw new StorageError(`deleting rule "${id}" from "${this.ctx.storage.name}" storage failed`, { cause });
    }
    this.entries.delete(id);
  }

  get(id: string): RuleEntry | undefined {
    return this.entries.get(id);
  }

  /** Every rule, oldest first. */
  list(): RuleEntry[] {
    return [...this.entries.values()];
  }

  /**
   * Reads the stored rules (at most once per sync interval): new and changed ones are taken,
   * ones deleted elsewhere are dropped. Returns the ids dropped. Storage failures are reported
   * and the rules in memory stay.
   */
  async sync(): Promise<string[]> {
    const now = this.ctx.clock.now();
    if (now - this.lastSync < this.syncInterval) return [];
    this.lastSync = now;
    let stored: StoredRule[];
    try {
      stored = await this.ctx.storage.listRules();
    } catch (cause) {
      this.ctx.report(new StorageError(`reading rules from "${this.ctx.storage.name}" storage failed; evaluating the rules in memory`, { cause }));
      return [];
    }
    const seen = new Set<string>();
    for (const s of stored) {
      seen.add(s.id);
      const current = this.entries.get(s.id);
      if (current !== undefined && current.rule.updatedAt === s.updatedAt) continue;
      const parsed = alertRuleSchema.safeParse(s);
      if (!parsed.success) {
        this.ctx.report(new ValidationError(`stored rule "${s.id}" is invalid and is skipped: ${parsed.error.issues[0]?.message ?? ''}`));
        continue;
      }
      this.set({ ...parsed.data, id: s.id, createdAt: s.createdAt, updatedAt: s.updatedAt }, current);
    }
    const dropped = [...this.entries.keys()].filter((id) => !seen.has(id));
    for (const id of dropped) this.entries.delete(id);
    return dropped;
  }

  /** Reports `error` for `entry` unless it was reported before. */
  reportOnce(entry: RuleEntry, error: PulsewatchError): void {
    if (entry.reported.has(error.message)) return;
    entry.reported.add(error.message);
    this.ctx.report(error);
  }

  private parse(input: AlertRuleInput, fallbackId: string, createdAt: number, updatedAt: number): AlertRule {
    const parsed = alertRuleSchema.safeParse(input);
    if (!parsed.success) throw validationErrorOf('invalid alert rule', parsed.error.issues, 'rule');
    const unknown = parsed.data.channels.filter((c) => !this.hasChannel(c));
    if (unknown.length > 0) {
      throw new ValidationError(`invalid alert rule: channels: no notifier named ${unknown.map((c) => JSON.stringify(c)).join(', ')}`, [{ path: 'channels', message: `unknown channel ${unknown.join(', ')}` }]);
    }
    return { ...parsed.data, id: parsed.data.id ?? fallbackId, createdAt, updatedAt };
  }

  private async store(rule: AlertRule): Promise<void> {
    try {
      await this.ctx.storage.saveRule(structuredClone(rule) as unknown as StoredRule);
    } catch (cause) {
      throw new StorageError(`saving rule "${rule.name}" to "${this.ctx.storage.name}" storage failed`, { cause });
    }
    this.set(rule, this.entries.get(rule.id));
  }

  private set(rule: AlertRule, previous: RuleEntry | undefined): void {
    const conditions = conditionsOf(rule);
    // Learned baselines survive an edit that keeps the conditions.
    const same = previous !== undefined && JSON.stringify(previous.conditions) === JSON.stringify(conditions);
    this.entries.set(rule.id, { rule, conditions, baselines: same ? previous.baselines : new Map(),
      reported: new Set(),
      failing: false,
      identity: JSON.stringify([rule.name, rule.severity, rule.type, rule.alertLabels, rule.annotations, rule.groupBy, rule.channels, rule.recipients, rule.description]),
    });
  }
}
