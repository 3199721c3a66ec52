import type { CapabilityContext } from '../capability.js';
import { LimitError, NotFoundError, StorageError, ValidationError, type PulsewatchError } from '../core/errors.js';
import { validationErrorOf } from '../core/options.js';
import type { StoredRule } from '../storage/records.js';
import { mergeBaselines, storedBaselines, withBaselines } from './learned-baselines.js';
import { definitionOf, readStoredRules, storedRuleById } from './rule-declaration.js';
import { alertRuleSchema, conditionsOf, type AlertRule, type AlertRuleInput } from './rule-schema.js';
import type { RuleEntry } from './rule-entry.js';
import { isRecord, isStoredRule, refuseCallerIssues, storedConditions, storedIdOf, takenError } from './rule-input-checks.js';

export type { RuleEntry } from './rule-entry.js';

/**
 * The rules of one engine, kept in memory and in storage. Every instance on the same store
 * reads the stored rules back (`sync`), so a rule created on one is evaluated by all.
 */
export class RuleBook {
  private readonly entries = new Map<string, RuleEntry>();
  private lastSync = -Infinity;
  /** Stored rules found invalid, by id, with the `updatedAt` already reported: each version is reported once. */
  private readonly invalid = new Map<string, unknown>();
  /** Stored rules past `maxRules` at the last sync (reported when the number changes). */
  private skipped = 0;
  private readOnce = false;

  constructor(
    private readonly ctx: CapabilityContext,
    private readonly hasChannel: (name: string) => boolean,
    private readonly syncInterval: number,
    private readonly maxRules: number,
  ) {}

  /** The stored rules were read at least once: a rule missing here is missing from the store. */
  get synced(): boolean {
    return this.readOnce;
  }

  /** Stored rules the last sync skipped because the monitor already holds `maxRules`. */
  get skippedRules(): number {
    return this.skipped;
  }

  /** Validates, stores and adds a rule; rejects with a LimitError past `maxRules`. */
  async create(input: AlertRuleInput): Promise<AlertRule> {
    const now = this.ctx.clock.now();
    const generated = crypto.randomUUID();
    refuseCallerIssues(input);
    const rule = this.parse(input, generated, now, now);
    if (this.entries.has(rule.id)) throw takenError(rule.id);
    if (this.entries.size >= this.maxRules) {
      throw new LimitError('limits.maxRules', this.maxRules, `rule "${rule.name}" refused: the monitor already holds ${this.entries.size} rules (limits.maxRules is ${this.maxRules})`);
    }
    // A chosen id may have been taken by another instance this one has not synced from yet.
    if (rule.id !== generated && storedRuleById(await readStoredRules(this.ctx.storage, `creating rule "${rule.id}"`), rule.id) !== undefined) {
      throw takenError(rule.id);
    }
    await this.store(rule);
    return structuredClone(rule);
  }

  /**
   * Declares the rule `input.id` names, idempotently: creates it when the store has no rule with
   * that id, replaces it (same id and createdAt, a later updatedAt) when the stored definition
   * differs, and writes nothing when it is the same. The store decides, not memory, so any
   * number of instances and restarts running the same declaration leave one rule; two
   * instances declaring it at once both write the same id, which the store keeps once.
   */
  async ensure(input: AlertRuleInput): Promise<AlertRule> {
    const now = this.ctx.clock.now();
    refuseCallerIssues(input);
    const wanted = this.parse(input, '', now, now);
    if (wanted.id === '') {
      throw new ValidationError('invalid alert rule: id: required to declare a rule (ensureRule); createRule makes one up', [{ path: 'id', message: 'required' }]);
    }
    const all = await readStoredRules(this.ctx.storage, `declaring rule "${wanted.id}"`);
    const stored = storedRuleById(all, wanted.id);
    const current = this.entries.get(wanted.id);
    if (stored !== undefined && Number.isFinite(stored.createdAt) && Number.isFinite(stored.updatedAt) && definitionOf(stored) === definitionOf(wanted)) {
      // Unchanged: no write. Take the stored version now rather than at the next sync.
      if (current?.rule.updatedAt !== stored.updatedAt) this.set({ ...wanted, createdAt: stored.createdAt, updatedAt: stored.updatedAt }, current);
      return structuredClone(this.entries.get(wanted.id)!.rule);
    }
    if (stored === undefined) {
      // Rules stored by other instances count too: sync would skip a rule past the bound.
      const others = new Set([...this.entries.keys(), ...all.map((r) => (isRecord(r) ? r.id : undefined))]);
      others.delete(wanted.id);
      others.delete(undefined);
      if (others.size >= this.maxRules) {
        throw new LimitError('limits.maxRules', this.maxRules, `rule "${wanted.name}" refused: the monitor already holds ${others.size} rules (limits.maxRules is ${this.maxRules})`);
      }
      await this.store(wanted);
      return structuredClone(wanted);
    }
    // Changed (or stored in a shape this version cannot read): replace it under the same id.
    const createdAt = Number.isFinite(stored.createdAt) ? stored.createdAt : now;
    const updatedAt = Number.isFinite(stored.updatedAt) ? Math.max(now, stored.updatedAt + 1) : now;
    const rule: AlertRule = { ...wanted, createdAt, updatedAt };
    await this.store(rule, stored);
    return structuredClone(rule);
  }

  /** Applies `patch` to a rule (fields not in the patch stay). */
  async update(id: string, patch: Partial<AlertRuleInput>): Promise<AlertRule> {
    const entry = this.entries.get(id);
    if (entry === undefined) throw new NotFoundError('rule', id);
    if (patch === null || typeof patch !== 'object') throw new ValidationError('invalid rule update: expected an object of fields', [{ path: '', message: 'expected an object' }]);
    refuseCallerIssues(patch, entry.rule.duration);
    const { createdAt, updatedAt, ...current } = entry.rule;
    // Bump by at least 1 ms so instances comparing updatedAt see the change.
    let merged: AlertRuleInput;
    try {
      merged = { ...current, ...patch, id } as AlertRuleInput;
    } catch (cause) {
      throw new ValidationError('invalid rule update: reading it threw', [{ path: '', message: 'reading the patch threw' }], { cause });
    }
    const rule = this.parse(merged, id, createdAt, Math.max(this.ctx.clock.now(), updatedAt + 1));
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
   * Reads the stored rules (at most once per sync interval, unless `force`): new and changed ones are taken,
   * ones deleted elsewhere are dropped. Returns the ids dropped. Storage failures are reported
   * and the rules in memory stay.
   */
  async sync(force = false): Promise<string[]> {
    const now = this.ctx.clock.now();
    if (!force && now - this.lastSync < this.syncInterval) return [];
    this.lastSync = now;
    let stored: StoredRule[];
    try {
      stored = await this.ctx.storage.listRules();
    } catch (cause) {
      this.ctx.report(new StorageError(`reading rules from "${this.ctx.storage.name}" storage failed; evaluating the rules in memory`, { cause }));
      return [];
    }
    if (!Array.isArray(stored)) {
      this.ctx.report(new StorageError(`"${this.ctx.storage.name}" storage listed rules as ${typeof stored}, not a list; evaluating the rules in memory`));
      return [];
    }
    this.readOnce = true;
    // Oldest first (the storage contract's order), so every instance keeps the same maxRules.
    const seen = new Set<string>();
    let skipped = 0;
    for (const s of stored) {
      if (!isStoredRule(s)) {
        this.reportInvalid(s, 'id', 'id, createdAt and updatedAt must be a string and two finite numbers');
        continue;
      }
      if (seen.has(s.id)) continue;
      const current = this.entries.get(s.id);
      if (seen.size >= this.maxRules) {
        skipped++;
        continue;
      }
      if (current !== undefined && current.rule.updatedAt === s.updatedAt) {
        mergeBaselines(current, s);
        seen.add(s.id);
        continue;
      }
      const parsed = alertRuleSchema.safeParse(s);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        this.reportInvalid(s, issue?.path.join('.') ?? '', issue?.message ?? 'invalid');
        // An invalid new version leaves the valid one in memory running.
        if (current !== undefined) seen.add(s.id);
        continue;
      }
      this.invalid.delete(s.id);
      seen.add(s.id);
      this.set({ ...parsed.data, id: s.id, createdAt: s.createdAt, updatedAt: s.updatedAt }, current);
      mergeBaselines(this.entries.get(s.id)!, s);
    }
    const listed = new Set(stored.map(storedIdOf));
    for (const id of this.invalid.keys()) if (!listed.has(id)) this.invalid.delete(id);
    if (skipped !== this.skipped && skipped > 0) {
      this.ctx.report(new LimitError('limits.maxRules', this.maxRules, `${skipped} stored rules past limits.maxRules (${this.maxRules}) are skipped; the oldest ${this.maxRules} are evaluated`));
    }
    this.skipped = skipped;
    const dropped = [...this.entries.keys()].filter((id) => !seen.has(id));
    for (const id of dropped) this.entries.delete(id);
    return dropped;
  }

  /** Reports a stored rule that cannot be taken, once per rule version. */
  private reportInvalid(s: unknown, path: string, message: string): void {
    const id = storedIdOf(s);
    const version = isRecord(s) ? s.updatedAt : undefined;
    if (this.invalid.has(id) && this.invalid.get(id) === version) return;
    this.invalid.set(id, version);
    this.ctx.report(new ValidationError(`stored rule "${id}" is invalid and is skipped: ${path}: ${message}`, [{ path, message }]));
  }

  /** Reports `error` for `entry` unless it was reported before. */
  reportOnce(entry: RuleEntry, error: PulsewatchError): void {
    if (entry.reported.has(error.message)) return;
    entry.reported.add(error.message);
    this.ctx.report(error);
  }

  private parse(input: AlertRuleInput, fallbackId: string, createdAt: number, updatedAt: number): AlertRule {
    let parsed: ReturnType<typeof alertRuleSchema.safeParse>;
    let issues: readonly { path: readonly PropertyKey[]; message: string }[];
    try {
      parsed = alertRuleSchema.safeParse(input);
      // zod words its issues lazily, reading the input again: inside the try as well.
      issues = parsed.success ? [] : parsed.error.issues;
    } catch (cause) {
      // A rule object that throws when read (a revoked proxy, a throwing getter).
      throw new ValidationError('invalid alert rule: reading it threw', [{ path: '', message: 'reading the rule threw' }], { cause });
    }
    if (!parsed.success) throw validationErrorOf('invalid alert rule', issues, 'rule');
    const unknown = parsed.data.channels.filter((c) => !this.hasChannel(c));
    if (unknown.length > 0) {
      throw new ValidationError(`invalid alert rule: channels: no notifier named ${unknown.map((c) => JSON.stringify(c)).join(', ')}`, [{ path: 'channels', message: `unknown channel ${unknown.join(', ')}` }]);
    }
    return { ...parsed.data, id: parsed.data.id ?? fallbackId, createdAt, updatedAt };
  }

  /** Saves `rule`; `stored` is its stored version when the caller read it (a deploy's `ensureRule`). */
  private async store(rule: AlertRule, stored?: StoredRule): Promise<void> {
    try {
      // Baselines learned under the same conditions stay with the rule (see learned-baselines.ts):
      // the ones in memory, else (a fresh process redeclaring a rule) the stored ones.
      const conditions = JSON.stringify(conditionsOf(rule));
      const previous = this.entries.get(rule.id);
      const kept =
        previous !== undefined && JSON.stringify(previous.conditions) === conditions
          ? previous.baselines
          : stored !== undefined && storedConditions(stored) === conditions
            ? storedBaselines(stored)
            : undefined;
      await this.ctx.storage.saveRule(withBaselines(rule, kept));
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
      overLimit: false,
      identity: JSON.stringify([rule.name, rule.severity, rule.type, rule.alertLabels, rule.annotations, rule.groupBy, rule.channels, rule.recipients, rule.description]),
    });
  }
}
