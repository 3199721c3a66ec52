/** A comparison, in the short form the engine uses. */
export type Comparison = 'gt' | 'lt' | 'gte' | 'lte' | 'eq' | 'ne';

/** Every accepted spelling of a comparison: seed 003's long names and the short forms. */
export const CONDITION_NAMES = {
  greater_than: 'gt',
  less_than: 'lt',
  greater_or_equal: 'gte',
  less_or_equal: 'lte',
  equals: 'eq',
  not_equals: 'ne',
  gt: 'gt',
  lt: 'lt',
  gte: 'gte',
  lte: 'lte',
  eq: 'eq',
  ne: 'ne',
} as const satisfies Record<string, Comparison>;

/** A comparison as rules spell it. */
export type ConditionName = keyof typeof CONDITION_NAMES;

/** Symbols for messages. */
const SYMBOL: Record<Comparison, string> = { gt: '>', lt: '<', gte: '>=', lte: '<=', eq: '==', ne: '!=' };

/** True when `value <op> threshold` holds. */
export function compare(op: Comparison, value: number, threshold: number): boolean {
  switch (op) {
    case 'gt':
      return value > threshold;
    case 'lt':
      return value < threshold;
    case 'gte':
      return value >= threshold;
    case 'lte':
      return value <= threshold;
    case 'eq':
      return value === threshold;
    case 'ne':
      return value !== threshold;
  }
}

/** `>`, `<`, ... for `op`. */
export function symbolOf(op: Comparison): string {
  return SYMBOL[op];
}
