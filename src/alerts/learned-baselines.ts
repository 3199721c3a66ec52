import type { CapabilityContext } from '../capability.js';
import { StorageError } from '../core/errors.js';
import type { StoredRule } from '../storage/records.js';
import type { RuleEntry } from './rule-entry.js';

/** Most learned baselines kept per rule (one per condition and alert group). */
export const MAX_BASELINES = 10_000;

/**
 * Baselines learned by `regression` conditions live in the stored rule, under `baselines`
 * (`{ "<condition>\u0000<group>": value }`), beside the rule's own fields: every instance reads
 * them with the rules, so an instance that restarts, or takes over evaluation, compares with the
 * baseline the fleet learned instead of learning a new one from a window that may already be
 * regressed. They are not part of the rule's definition (`ensureRule` ignores them).
 */
export function storedBaselines(stored: unknown): Map<string, number> | undefined {
  if (typeof stored !== 'object' || stored === null) return undefined;
  const raw = (stored as { baselines?: unknown }).baselines;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const out = new Map<string, number>();
  for (const [key, value] of Object.entries(raw)) {
    if (out.size >= MAX_BASELINES) break;
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) out.set(key, value);
  }
  return out;
}

/** Takes the stored baselines `entry` does not know yet (what another instance learned). */
export function mergeBaselines(entry: RuleEntry, stored: unknown): void {
  const learned = storedBaselines(stored);
  if (learned === undefined) return;
  for (const [key, value] of learned) {
    if (entry.baselines.size >= MAX_BASELINES) return;
    if (!entry.baselines.has(key)) entry.baselines.set(key, value);
  }
}

/** The stored form of a rule with its learned baselines. */
export function withBaselines(rule: object, baselines: ReadonlyMap<string, number> | undefined): StoredRule {
  const copy = structuredClone(rule) as StoredRule & { baselines?: Record<string, number> };
  if (baselines !== undefined && baselines.size > 0) copy.baselines = Object.fromEntries(baselines);
  return copy;
}

/** Drops baselines past {@link MAX_BASELINES} (the newest), so one rule's groups cannot grow memory or its stored form without bound. */
export function capBaselines(entry: RuleEntry): void {
  if (entry.baselines.size <= MAX_BASELINES) return;
  let i = 0;
  for (const key of [...entry.baselines.keys()]) if (i++ >= MAX_BASELINES) entry.baselines.delete(key);
}

/**
 * Stores the baselines the `entries` learned into their stored rules, with one read of the rules
 * for all of them. A stored rule is written back only when it is the version this instance runs
 * (same `updatedAt`), with its own fields untouched; an edit made elsewhere meanwhile wins, and
 * the baselines are written at the next learning. (A store without compare-and-set leaves a
 * window of one round trip in which an edit could be overwritten; learning happens once per
 * condition and group.) Failures are reported.
 */
export async function saveBaselines(ctx: CapabilityContext, entries: readonly RuleEntry[]): Promise<void> {
  if (entries.length === 0) return;
  let all: unknown;
  try {
    all = await ctx.storage.listRules();
  } catch (cause) {
    ctx.report(new StorageError(`saving learned baselines: reading rules from "${ctx.storage.name}" storage failed`, { cause }));
    return;
  }
  if (!Array.isArray(all)) return;
  for (const entry of entries) {
    const stored = (all as StoredRule[]).find((r) => typeof r === 'object' && r !== null && r.id === entry.rule.id);
    if (stored === undefined || stored.updatedAt !== entry.rule.updatedAt) continue;
    const merged = new Map(storedBaselines(stored) ?? []);
    for (const [key, value] of entry.baselines) if (merged.size < MAX_BASELINES || merged.has(key)) merged.set(key, value);
    try {
      await ctx.storage.saveRule(withBaselines(stored, merged));
    } catch (cause) {
      ctx.report(new StorageError(`saving the baselines of rule "${entry.rule.name}" to "${ctx.storage.name}" storage failed`, { cause }));
    }
  }
}
