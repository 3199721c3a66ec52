/**
 * A check's `details` as plain JSON data, copied when the check answers. A health answer is an
 * HTTP body, and one check's details must never make the whole answer fail to serialize (a
 * BigInt from a driver, a cycle, a getter or `toJSON` that throws, a revoked proxy), nor change
 * after the fact when the check mutates the object it returned (a cached result would drift).
 */

/** Nesting kept; deeper objects show as `'[Object]'`. */
const MAX_DEPTH = 8;
/** Values copied per details object; past it the rest is left out (`'[truncated]'` marks where). */
const MAX_VALUES = 1_000;

const CIRCULAR = '[Circular]';
const UNREADABLE = '[unreadable]';

/** Copies `details` (an object, or any value, which is wrapped as `{ value }`) into JSON-safe data. */
export function plainDetails(details: unknown): Record<string, unknown> {
  const budget = { left: MAX_VALUES };
  const copy = plain(details, 0, new Set(), budget);
  return typeof copy === 'object' && copy !== null && !Array.isArray(copy) ? (copy as Record<string, unknown>) : { value: copy };
}

/**
 * JSON's own rules (functions, symbols and undefined left out of objects, `toJSON` applied) plus:
 * a BigInt becomes its decimal string, a cycle `'[Circular]'`, a value that throws when read
 * `'[unreadable]'`.
 */
function plain(value: unknown, depth: number, seen: Set<object>, budget: { left: number }, applyToJSON = true): unknown {
  try {
    switch (typeof value) {
      case 'string':
      case 'number':
      case 'boolean':
        return value;
      case 'bigint':
        return value.toString();
      case 'object':
        break;
      default:
        return undefined;
    }
    if (value === null) return null;
    // Applied once, as JSON.stringify does: a toJSON returning its own object does not loop.
    const toJSON = applyToJSON ? (value as { toJSON?: unknown }).toJSON : undefined;
    if (typeof toJSON === 'function') return plain(toJSON.call(value), depth, seen, budget, false);
    if (seen.has(value)) return CIRCULAR;
    if (depth >= MAX_DEPTH) return '[Object]';
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        const out: unknown[] = [];
        for (const item of value) {
          if (budget.left-- <= 0) {
            out.push('[truncated]');
            break;
          }
          const v = plain(item, depth + 1, seen, budget);
          out.push(v === undefined ? null : v);
        }
        return out;
      }
      const entries: [string, unknown][] = [];
      for (const key of Object.keys(value)) {
        if (budget.left-- <= 0) {
          entries.push(['[truncated]', true]);
          break;
        }
        let v: unknown;
        try {
          v = plain((value as Record<string, unknown>)[key], depth + 1, seen, budget);
        } catch {
          v = UNREADABLE;
        }
        if (v !== undefined) entries.push([key, v]);
      }
      // fromEntries defines own properties: a "__proto__" key stays a key.
      return Object.fromEntries(entries);
    } finally {
      seen.delete(value);
    }
  } catch {
    return UNREADABLE;
  }
}
