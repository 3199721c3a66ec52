import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BudgetDefaults } from '../../src/cli/budget/budget.js';
import { parseBudgetExpression } from '../../src/cli/budget/expression.js';
import { parseBudgetFile } from '../../src/cli/budget/file.js';
import { parseThreshold } from '../../src/cli/budget/threshold.js';
import { CliInputError } from '../../src/cli/errors.js';

const DEFAULTS: BudgetDefaults = { window: 300_000, labels: {}, metrics: { latency: 'http_request_duration_seconds', requests: 'http_requests_total' } };

/** The message of the CliInputError `fn` throws (fails the test if it throws anything else). */
function inputError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CliInputError);
    return (error as CliInputError).message;
  }
  throw new Error('expected a CliInputError');
}

describe('thresholds', () => {
  it('a latency is a duration, or a bare number of milliseconds', () => {
    expect(parseThreshold('500ms', 'latency', 'f')).toEqual({ value: 500, duration: true, text: '500 ms' });
    expect(parseThreshold('1.5s', 'latency', 'f')).toEqual({ value: 1500, duration: true, text: '1.5 s' });
    expect(parseThreshold(250, 'latency', 'f')).toEqual({ value: 250, duration: false, text: '250' });
    expect(parseThreshold('250', 'latency', 'f').value).toBe(250);
  });

  it('a percent is 0 to 100 with or without %, a rate is per second (or per minute, hour), a count is whole', () => {
    expect(parseThreshold('5%', 'percent', 'f').value).toBe(5);
    expect(parseThreshold(5, 'percent', 'f').value).toBe(5);
    expect(parseThreshold('500/s', 'rate', 'f').value).toBe(500);
    expect(parseThreshold('30000/m', 'rate', 'f').value).toBe(500);
    expect(parseThreshold('500', 'rate', 'f').value).toBe(500);
    expect(parseThreshold('5', 'count', 'f').value).toBe(5);
  });

  it('refuses what is not a number of the kind, naming the field', () => {
    expect(inputError(() => parseThreshold('fast', 'latency', 'budgets[0].below'))).toBe('budgets[0].below: expected a duration such as 500ms or 1s (a bare number is milliseconds), got "fast"');
    expect(inputError(() => parseThreshold('101%', 'percent', 'x'))).toContain('x: expected a percentage from 0 to 100');
    expect(inputError(() => parseThreshold(-1, 'rate', 'x'))).toContain('x: expected a rate per second');
    expect(inputError(() => parseThreshold(Number.NaN, 'latency', 'x'))).toContain('x: expected a duration');
    expect(inputError(() => parseThreshold('2.5', 'count', 'x'))).toBe('x: expected a whole number, got "2.5"');
    expect(inputError(() => parseThreshold({}, 'count', 'x'))).toBe('x: expected a whole number, got {}');
  });
});

describe('budget expressions (--fail, --warn)', () => {
  it('reads <stat>[(<metric>)] < or > <threshold>, with default metrics per stat', () => {
    const p95 = parseBudgetExpression('p95 < 500ms', 'fail', DEFAULTS, '--fail[0]');
    expect(p95).toMatchObject({ stat: 'p95', metric: 'http_request_duration_seconds', op: 'below', threshold: { value: 500 }, severity: 'fail', window: 300_000 });
    const errors = parseBudgetExpression('error_rate<5%', 'fail', DEFAULTS, '--fail[1]');
    expect(errors).toMatchObject({ stat: 'errorRate', metric: 'http_requests_total', errors: { label: 'status', match: '5..' } });
    const throughput = parseBudgetExpression('throughput > 500', 'warn', DEFAULTS, '--warn[0]');
    expect(throughput).toMatchObject({ stat: 'rate', op: 'above', severity: 'warn', threshold: { value: 500 } });
    const named = parseBudgetExpression('mean(chat_message_latency_seconds) < 2s', 'warn', DEFAULTS, '--warn[1]');
    expect(named).toMatchObject({ stat: 'mean', metric: 'chat_message_latency_seconds', threshold: { value: 2000 } });
  });

  it('refuses a malformed expression, an unknown stat, a bad metric name', () => {
    expect(inputError(() => parseBudgetExpression('p95 500ms', 'fail', DEFAULTS, '--fail[0]'))).toContain('--fail[0]: expected "<stat>[(<metric>)] < or > <threshold>"');
    expect(inputError(() => parseBudgetExpression('p97 < 1s', 'fail', DEFAULTS, '--fail[0]'))).toContain('--fail[0].stat: unknown stat "p97"');
    expect(inputError(() => parseBudgetExpression('p95(my-metric) < 1s', 'fail', DEFAULTS, '--fail[0]'))).toContain('--fail[0] metric: metric names are letters');
    expect(inputError(() => parseBudgetExpression('p95 < fast', 'fail', DEFAULTS, '--fail[0]'))).toContain('--fail[0] threshold: expected a duration such as 500ms');
    expect(inputError(() => parseBudgetExpression('error_rate > 200%', 'warn', DEFAULTS, '--warn[2]'))).toContain('--warn[2] threshold: expected a percentage');
  });
});

describe('budget files', () => {
  const seed001 = readFileSync(fileURLToPath(new URL('./fixtures/seed-001-budgets.yaml', import.meta.url)), 'utf8');

  it("reads seed 001's budgets from YAML", () => {
    const budgets = parseBudgetFile(seed001, 'budgets.yaml', DEFAULTS);
    expect(budgets.map((b) => [b.name, b.stat, b.op, b.threshold.value, b.severity])).toEqual([
      ['P95 latency', 'p95', 'below', 500, 'fail'],
      ['P99 latency', 'p99', 'below', 1000, 'warn'],
      ['Error rate', 'errorRate', 'below', 5, 'fail'],
      ['Throughput', 'rate', 'above', 500, 'warn'],
    ]);
  });

  it('reads JSON, with file-wide labels and window under each budget', () => {
    const text = JSON.stringify({ window: '1h', labels: { service: 'chat' }, budgets: [{ stat: 'p95', metric: 'chat_message_latency_seconds', below: '5s', labels: { phase: 'e2e' } }, { stat: 'count', above: 4, window: '10m', severity: 'warn' }] });
    const [sla, enough] = parseBudgetFile(text, 'sla.json', DEFAULTS);
    expect(sla).toMatchObject({ window: 3_600_000, labels: { service: 'chat', phase: 'e2e' }, severity: 'fail' });
    expect(enough).toMatchObject({ window: 600_000, labels: { service: 'chat' }, metric: 'http_requests_total', severity: 'warn' });
  });

  it('an explicit --window beats the file window, not a budget window', () => {
    const text = 'window: 1h\nbudgets:\n  - { stat: p95, below: 1s }\n  - { stat: p99, below: 2s, window: 10m }\n';
    const budgets = parseBudgetFile(text, 'b.yaml', { ...DEFAULTS, window: 60_000 }, true);
    expect(budgets.map((b) => b.window)).toEqual([60_000, 600_000]);
  });

  it('names the file and the field for every mistake', () => {
    const cases: [string, string, string][] = [
      ['b.yaml', 'budgets: [', 'b.yaml: does not parse as YAML'],
      ['b.json', '{"budgets": [}', 'b.json: does not parse as JSON'],
      ['b.yaml', 'budgets:\n  - { stat: p95, below: 1s, severty: warn }\n', 'b.yaml: budgets[0].severty: unknown key'],
      ['b.yaml', 'budget: []\n', 'b.yaml: budget: unknown key'],
      ['b.yaml', 'budgets: []\n', 'b.yaml: budgets: a budget file needs at least one budget'],
      ['b.yaml', 'budgets:\n  - { stat: p95, below: soon }\n', 'b.yaml: budgets[0].below: expected a duration'],
      ['b.yaml', 'budgets:\n  - { stat: p95, below: 1s, above: 1ms }\n', 'b.yaml: budgets[0]: give exactly one of "below"'],
      ['b.yaml', 'budgets:\n  - { stat: p95, below: 1s, severity: page }\n', 'b.yaml: budgets[0].severity:'],
      ['b.yaml', 'budgets:\n  - { stat: p95, below: 1s, window: 1y }\n', 'b.yaml: budgets[0].window: expected a window from 1s to 30d'],
      ['b.yaml', 'window: 0s\nbudgets:\n  - { stat: p95, below: 1s }\n', 'b.yaml: window: expected a window'],
      ['b.yaml', 'budgets:\n  - { stat: errorRate, below: 5%, errors: { match: "5[" } }\n', 'b.yaml: budgets[0].errors.match: not a regular expression'],
      ['b.yaml', 'budgets:\n  - { stat: errorRate, below: 5%, labels: { status: "500" } }\n', 'b.yaml: budgets[0].labels.status: an errorRate budget splits requests by "status"'],
      ['b.yaml', 'budgets:\n  - { stat: p95, below: 1s, errors: { label: code } }\n', 'b.yaml: budgets[0].errors: only an errorRate budget classifies errors'],
      ['b.yaml', 'budgets:\n  - { stat: p95, below: 1s, labels: { "a-b": x } }\n', 'b.yaml: budgets[0].labels.a-b:'],
      ['b.yaml', 'budgets: 3\n', 'b.yaml: budgets:'],
      ['b.yaml', '', 'b.yaml: the file:'],
    ];
    for (const [name, text, message] of cases) expect(inputError(() => parseBudgetFile(text, name, DEFAULTS))).toContain(message);
  });

  it('refuses more than 100 budgets and a file over 1 MiB', () => {
    const many = JSON.stringify({ budgets: Array.from({ length: 101 }, () => ({ stat: 'p95', below: 1 })) });
    expect(inputError(() => parseBudgetFile(many, 'b.json', DEFAULTS))).toContain('b.json: budgets: at most 100 budgets');
    expect(inputError(() => parseBudgetFile(`# ${'x'.repeat(1024 * 1024)}`, 'b.yaml', DEFAULTS))).toBe('b.yaml: larger than 1048576 bytes');
  });
});

describe('the budget files in docs/cli.md', () => {
  it('parse as documented', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/cli.md', import.meta.url)), 'utf8');
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((b) => /^budgets:/m.test(b));
    expect(blocks).toHaveLength(2);
    const [seed001, seed004] = blocks.map((b) => parseBudgetFile(b, 'docs.yaml', DEFAULTS));
    expect(seed001!.map((b) => [b.stat, b.op, b.threshold.value, b.severity])).toEqual([
      ['p95', 'below', 500, 'fail'],
      ['p99', 'below', 1000, 'warn'],
      ['errorRate', 'below', 5, 'fail'],
      ['rate', 'above', 500, 'warn'],
    ]);
    expect(seed004!.map((b) => [b.stat, b.op, b.threshold.value, b.severity, b.window])).toEqual([
      ['p95', 'below', 5000, 'fail', 3_600_000],
      ['mean', 'below', 2000, 'warn', 3_600_000],
      ['max', 'below', 30_000, 'fail', 3_600_000],
      ['count', 'above', 4, 'warn', 3_600_000],
    ]);
  });
});
