/**
 * The table shows a value with enough decimals to tell it from the threshold it is compared
 * with: comparisons are strict (docs/cli.md), and a p95 of 499.96 ms that passes `p95 < 500ms`
 * read "ok  500 ms  < 500 ms" (and 999.96 ms against `< 1s` "ok  1000 ms  < 1 s").
 */
import { describe, expect, it } from 'vitest';
import type { BudgetDefaults } from '../../src/cli/budget/budget.js';
import { evaluateBudget, type Reading } from '../../src/cli/budget/evaluate.js';
import { parseBudgetExpression } from '../../src/cli/budget/expression.js';

const DEFAULTS: BudgetDefaults = { window: 300_000, labels: {}, metrics: { latency: 'http_request_duration_seconds', requests: 'http_requests_total' } };
const shown = (expr: string, reading: Reading) => {
  const r = evaluateBudget(parseBudgetExpression(expr, 'fail', DEFAULTS, '--fail[0]'), reading);
  return `${r.status} ${r.valueText}`;
};

describe('a value beside its threshold', () => {
  it.each([
    ['p95 < 500ms', { kind: 'value', value: 0.49996, unit: 'seconds' }, 'pass 499.96 ms'],
    ['p99 < 1s', { kind: 'value', value: 0.99996, unit: 'seconds' }, 'pass 999.96 ms'],
    ['p99 < 1s', { kind: 'value', value: 1.00004, unit: 'seconds' }, 'fail 1.00004 s'],
    ['throughput > 500', { kind: 'value', value: 500.04 }, 'pass 500.04/s'],
    ['throughput > 500', { kind: 'value', value: 499.96 }, 'fail 499.96/s'],
    ['error_rate < 5%', { kind: 'value', value: 4.9996 }, 'pass 4.9996 %'],
    ['count > 5', { kind: 'value', value: 5.4 }, 'pass 5.4'],
    ['p95(queue_depth) < 100', { kind: 'value', value: 99.96 }, 'pass 99.96'],
  ] as const)('%s with %j reads %s', (expr, reading, text) => {
    expect(shown(expr, reading as Reading)).toBe(text);
  });

  it('keeps the usual rounding away from the threshold, and the threshold itself as it is', () => {
    expect(shown('p95 < 500ms', { kind: 'value', value: 0.8, unit: 'seconds' })).toBe('fail 800 ms');
    expect(shown('p95 < 500ms', { kind: 'value', value: 0.5, unit: 'seconds' })).toBe('fail 500 ms');
    expect(shown('error_rate < 5%', { kind: 'value', value: 9.0909 })).toBe('fail 9.091 %');
    expect(shown('throughput > 500', { kind: 'value', value: 660.04 })).toBe('pass 660/s');
    expect(shown('count > 5', { kind: 'value', value: 12 })).toBe('pass 12');
  });
});
