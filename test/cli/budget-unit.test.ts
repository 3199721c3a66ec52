/**
 * A budget's `unit` is for a metric whose endpoint and name do not say (docs/cli.md: "its unit
 * from the endpoint (seconds), else its name, else the budget's unit"). It came first: a fail
 * budget `p95 < 500ms` with `unit: milliseconds` on http_request_duration_seconds read the
 * endpoint's 0.8 s as 0.8 ms and passed (exit 0). A budget unit that contradicts the endpoint's
 * or the name's is an error naming it (exit 3): a gate must not pass on a misread unit.
 */
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Budget, BudgetDefaults } from '../../src/cli/budget/budget.js';
import { evaluateBudget } from '../../src/cli/budget/evaluate.js';
import { parseBudgetExpression } from '../../src/cli/budget/expression.js';
import { CHILD_TIMEOUT, runCli } from './helpers/run-cli.js';
import { startPulsewatchServer, type PulsewatchServer } from './helpers/server.js';

const DEFAULTS: BudgetDefaults = { window: 300_000, labels: {}, metrics: { latency: 'http_request_duration_seconds', requests: 'http_requests_total' } };
const budget = (expr: string, unit?: string): Budget => ({ ...parseBudgetExpression(expr, 'fail', DEFAULTS, 'budgets[0]'), unit });

describe('the time unit of a latency budget', () => {
  it('comes from the source, else the name, else the budget', () => {
    // The budget's unit where neither the source nor the name says one.
    expect(evaluateBudget(budget('p95(job_latency) < 2s', 'seconds'), { kind: 'value', value: 1.5 })).toMatchObject({ status: 'pass', value: 1500, unit: 'ms' });
    // The same unit as the source's or the name's: no conflict.
    expect(evaluateBudget(budget('p95 < 500ms', 'seconds'), { kind: 'value', value: 0.8, unit: 'seconds' })).toMatchObject({ status: 'fail', value: 800 });
    expect(evaluateBudget(budget('p95(job_latency_ms) < 500ms', 'milliseconds'), { kind: 'value', value: 800 })).toMatchObject({ status: 'fail', value: 800 });
  });

  it.each([
    ['the source\'s', budget('p95(job_latency) < 500ms', 'milliseconds'), { kind: 'value' as const, value: 0.8, unit: 'seconds' }],
    ['the name\'s', budget('p95 < 500ms', 'milliseconds'), { kind: 'value' as const, value: 0.8 }],
  ])('a budget unit contradicting %s is an error naming budgets[0].unit, never a pass', (_, b, reading) => {
    const result = evaluateBudget(b, reading);
    expect(result).toMatchObject({ status: 'error', error: { field: 'budgets[0].unit' } });
  });
});

describe('pulsewatch check with a budget file unit against the endpoint', { timeout: CHILD_TIMEOUT }, () => {
  let server: PulsewatchServer;
  beforeAll(async () => {
    server = await startPulsewatchServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a fail budget on an 800 ms p95 does not pass because its unit says milliseconds (exit 3, naming the unit)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pw-cli-unit-')), 'budgets.yaml');
    writeFileSync(file, 'budgets:\n  - { stat: p95, below: 500ms, unit: milliseconds, labels: { route: /fail } }\n');
    const run = await runCli(['check', server.url, '--budgets', file]);
    expect(run.stdout).not.toMatch(/^ok\s/m);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('budgets[0].unit');
  });
});

describe('a contradicting unit from a hostile source', () => {
  it('is quoted short and without control characters', () => {
    const result = evaluateBudget(budget('p95(job_latency) < 500ms', 'milliseconds'), { kind: 'value', value: 1, unit: `\u001b[2J${'x'.repeat(100_000)}` });
    expect(result.status).toBe('error');
    expect(result.detail!.length).toBeLessThan(400);
    expect(result.detail).not.toContain('\u001b');
  });
});
