import { describe, expect, it } from 'vitest';
import type { Budget, BudgetDefaults } from '../../src/cli/budget/budget.js';
import { evaluateBudget, overallOf, type BudgetResult } from '../../src/cli/budget/evaluate.js';
import { parseBudgetExpression } from '../../src/cli/budget/expression.js';
import type { CheckResult } from '../../src/cli/check.js';
import { SourceUnreachableError } from '../../src/cli/errors.js';
import { describeChanges } from '../../src/cli/output/changes.js';
import { toJson } from '../../src/cli/output/json.js';

const DEFAULTS: BudgetDefaults = { window: 300_000, labels: {}, metrics: { latency: 'http_request_duration_seconds', requests: 'http_requests_total' } };
const budget = (expr: string, severity: 'fail' | 'warn' = 'fail'): Budget => parseBudgetExpression(expr, severity, DEFAULTS, `--${severity}[0]`);

describe('evaluating one budget', () => {
  it('a below budget holds strictly under its threshold: 499.9 ms passes, 500 ms breaks', () => {
    const p95 = budget('p95 < 500ms');
    expect(evaluateBudget(p95, { kind: 'value', value: 0.4999, unit: 'seconds' })).toMatchObject({ status: 'pass', value: expect.closeTo(499.9, 6), valueText: '499.9 ms', unit: 'ms' });
    expect(evaluateBudget(p95, { kind: 'value', value: 0.5, unit: 'seconds' })).toMatchObject({ status: 'fail', value: 500 });
  });

  it('an above budget holds strictly over its threshold, and breaks with its severity', () => {
    const rate = budget('throughput > 500', 'warn');
    expect(evaluateBudget(rate, { kind: 'value', value: 500.5 }).status).toBe('pass');
    expect(evaluateBudget(rate, { kind: 'value', value: 500 })).toMatchObject({ status: 'warn', valueText: '500/s', unit: 'per_second' });
  });

  it('reads the time unit from the source, then the name, then the budget', () => {
    const unnamed = budget('p95(job_latency) < 2s');
    expect(evaluateBudget(unnamed, { kind: 'value', value: 1.5, unit: 'seconds' })).toMatchObject({ status: 'pass', value: 1500 });
    expect(evaluateBudget(unnamed, { kind: 'value', value: 1500, unit: 'milliseconds' })).toMatchObject({ status: 'pass', value: 1500 });
    expect(evaluateBudget({ ...unnamed, unit: 'milliseconds' }, { kind: 'value', value: 2500 })).toMatchObject({ status: 'fail', value: 2500 });
    // No unit anywhere and a duration threshold: an error naming the field, not a guess.
    expect(evaluateBudget(unnamed, { kind: 'value', value: 1.5 })).toMatchObject({ status: 'error', error: { field: '--fail[0].below' } });
    // A bare number on a metric with no time unit compares in the metric's own unit.
    expect(evaluateBudget(budget('p95(queue_depth) < 100'), { kind: 'value', value: 80 })).toMatchObject({ status: 'pass', value: 80, valueText: '80', unit: null });
  });

  it('NaN breaks the budget; no data and errors keep their own status', () => {
    expect(evaluateBudget(budget('p95 < 1s'), { kind: 'value', value: Number.NaN, unit: 'seconds' }).status).toBe('fail');
    expect(evaluateBudget(budget('p95 < 1s'), { kind: 'nodata', reason: 'nothing' })).toMatchObject({ status: 'nodata', valueText: 'no data', detail: 'nothing' });
    const error = new SourceUnreachableError('down');
    expect(evaluateBudget(budget('p95 < 1s'), { kind: 'error', error })).toMatchObject({ status: 'error', error });
  });
});

describe('the check as a whole', () => {
  const result = (status: BudgetResult['status']): BudgetResult => ({ budget: budget('p95 < 1s'), status, value: undefined, valueText: '', unit: 'ms' });

  it('is the worst budget: ok 0, warning 1, failing 2, unknown 3', () => {
    expect(overallOf([], 'warn')).toEqual({ status: 'ok', exitCode: 0 });
    expect(overallOf([result('pass'), result('warn')], 'warn')).toEqual({ status: 'warning', exitCode: 1 });
    expect(overallOf([result('fail'), result('warn')], 'warn')).toEqual({ status: 'failing', exitCode: 2 });
    expect(overallOf([result('fail'), result('error')], 'warn')).toEqual({ status: 'unknown', exitCode: 3 });
  });

  it('counts a budget without data as the no-data policy says', () => {
    expect(overallOf([result('nodata')], 'pass')).toEqual({ status: 'ok', exitCode: 0 });
    expect(overallOf([result('nodata')], 'warn')).toEqual({ status: 'warning', exitCode: 1 });
    expect(overallOf([result('nodata')], 'fail')).toEqual({ status: 'failing', exitCode: 2 });
  });
});

describe('--watch changes and --json', () => {
  const p95 = budget('p95 < 500ms');
  const check = (value: number | undefined, at: number, error?: string): CheckResult => {
    const results = value === undefined ? [] : [evaluateBudget(p95, { kind: 'value', value, unit: 'seconds' })];
    return {
      ...(error ? { status: 'unknown', exitCode: 3, error: { code: 'ERR_PULSEWATCH_CLI_UNREACHABLE', message: error } } : overallOf(results, 'warn')),
      checkedAt: new Date(at),
      source: { kind: 'pulsewatch', url: 'http://x/' },
      results,
    };
  };

  it('says nothing while statuses stay, however the values move', () => {
    expect(describeChanges(check(0.1, 0), check(0.3, 1000))).toEqual([]);
  });

  it('names each budget that moved and the overall move', () => {
    expect(describeChanges(check(0.1, 0), check(0.8, 1000))).toEqual([
      '1970-01-01T00:00:01.000Z  p95 http_request_duration_seconds: ok -> FAIL (800 ms, < 500 ms)',
      '1970-01-01T00:00:01.000Z  overall: ok -> failing (exit 2)',
    ]);
  });

  it('says when the source goes away and comes back', () => {
    expect(describeChanges(check(0.1, 0), check(undefined, 1000, 'cannot reach http://x/: ECONNREFUSED'))).toEqual([
      '1970-01-01T00:00:01.000Z  error: cannot reach http://x/: ECONNREFUSED',
      '1970-01-01T00:00:01.000Z  overall: ok -> unknown (exit 3)',
    ]);
    expect(describeChanges(check(undefined, 0, 'down'), check(0.1, 1000))).toEqual([
      '1970-01-01T00:00:01.000Z  http://x/ answers again',
      '1970-01-01T00:00:01.000Z  p95 http_request_duration_seconds: ok (100 ms, < 500 ms)',
      '1970-01-01T00:00:01.000Z  overall: unknown -> ok (exit 0)',
    ]);
  });

  it('--json writes null for a value that is not finite (a +Inf quantile)', () => {
    const doc = toJson(check(Number.POSITIVE_INFINITY, 0));
    expect(doc.budgets[0]).toMatchObject({ value: null, status: 'fail' });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
  });
});
