import { StorageError } from '../core/errors.js';
import type { StorageAdapter } from '../storage/contract.js';
import type { StoredRule } from '../storage/records.js';
import { alertRuleSchema } from './rule-schema.js';

/**
 * What a rule declaration compares: the rule's fields after validation and defaults, in one
 * canonical JSON (object keys sorted). Bookkeeping (`createdAt`, `updatedAt`) is left out, and
 * the order of keys does not count: PostgreSQL's jsonb gives a stored rule back with its keys
 * reordered, and `'5m'` and `300000` are the same window. Undefined when `rule` does not
 * validate (a stored rule written by another version, or edited by hand).
 */
export function definitionOf(rule: unknown): string | undefined {
  let parsed: ReturnType<typeof alertRuleSchema.safeParse>;
  try {
    parsed = alertRuleSchema.safeParse(rule);
  } catch {
    return undefined;
  }
  return parsed.success ? canonicalJson(parsed.data) : undefined;
}

/** JSON with object keys sorted at every depth, so equal values give equal strings. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * Reads the stored rules: the store, not this instance's memory, says which ids exist (a rule
 * another instance created is there before this one's next sync). Rejects with a StorageError.
 */
export async function readStoredRules(storage: StorageAdapter, why: string): Promise<StoredRule[]> {
  let stored: unknown;
  try {
    stored = await storage.listRules();
  } catch (cause) {
    throw new StorageError(`${why}: reading rules from "${storage.name}" storage failed`, { cause });
  }
  if (!Array.isArray(stored)) throw new StorageError(`${why}: "${storage.name}" storage listed rules as ${typeof stored}, not a list`);
  return stored as StoredRule[];
}

/** The stored rule with `id`, or undefined; malformed entries (not objects) are passed over. */
export function storedRuleById(stored: readonly StoredRule[], id: string): StoredRule | undefined {
  return stored.find((s) => typeof s === 'object' && s !== null && s.id === id);
}
