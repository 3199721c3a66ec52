import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { CHILD_TIMEOUT, runCli } from './helpers/run-cli.js';
import { startPulsewatchServer, type PulsewatchServer } from './helpers/server.js';

const SEED_001 = fileURLToPath(new URL('./fixtures/seed-001-budgets.yaml', import.meta.url));
const TOKEN = 'pw-secret-token-4f9a2c';

let server: PulsewatchServer;
let guarded: PulsewatchServer;
let dir: string;

beforeAll(async () => {
  [server, guarded, dir] = await Promise.all([startPulsewatchServer(), startPulsewatchServer({ auth: TOKEN }), mkdtemp(join(tmpdir(), 'pulsewatch-cli-'))]);
});

afterAll(async () => {
  await Promise.all([server?.close(), guarded?.close(), dir ? rm(dir, { recursive: true, force: true }) : undefined]);
});

describe('pulsewatch check <url> with seed 001 budgets from a YAML file', { timeout: CHILD_TIMEOUT }, () => {
  it('exits 0 when every budget holds, 1 when a warn budget breaks, 2 when a fail budget breaks', async () => {
    const [pass, warn, fail] = await Promise.all(
      ['/pass', '/warn', '/fail'].map((route) => runCli(['check', server.url, '--budgets', SEED_001, '--label', `route=${route}`])),
    );
    expect({ code: pass!.code, stderr: pass!.stderr }).toEqual({ code: 0, stderr: '' });
    expect(pass!.stdout).toMatch(/^ok\s+P95 latency\{route="\/pass"\}\s+80 ms\s+< 500 ms\s+5m\s+fail$/m);
    expect(pass!.stdout).toMatch(/^ok\s+Throughput\{route="\/pass"\}\s+606\/s\s+> 500\/s\s+5m\s+warn$/m);
    expect(pass!.stdout).toContain('ok: 4 of 4 ok (exit 0)');

    expect(warn!.code).toBe(1);
    expect(warn!.stdout).toMatch(/^WARN\s+P99 latency\{route="\/warn"\}\s+1\.5 s\s+< 1 s/m);
    expect(warn!.stdout).toMatch(/^WARN\s+Throughput\{route="\/warn"\}\s+101\/s\s+> 500\/s/m);
    expect(warn!.stdout).toContain('warning: 2 of 4 ok, 2 warning (exit 1)');

    expect(fail!.code).toBe(2);
    expect(fail!.stdout).toMatch(/^FAIL\s+P95 latency\{route="\/fail"\}\s+800 ms\s+< 500 ms/m);
    expect(fail!.stdout).toMatch(/^FAIL\s+Error rate\{route="\/fail"\}\s+9\.091 %\s+< 5 %/m);
    expect(fail!.stdout).toContain('failing: 2 of 4 ok, 2 failing (exit 2)');
  });

  it('takes the same budgets as --fail/--warn flags (kept in the order typed), and --json prints one document a machine can read', async () => {
    const run = await runCli(['check', server.url, '--json', '-l', 'route=/fail', '--fail', 'p95 < 500ms', '--warn', 'p99 < 1s', '--fail', 'error_rate < 5%', '--warn', 'throughput > 500']);
    expect(run.code).toBe(2);
    const doc = JSON.parse(run.stdout);
    expect(doc).toEqual({
      status: 'failing',
      exitCode: 2,
      checkedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      source: { kind: 'pulsewatch', url: `${server.url}/` },
      budgets: [
        { name: 'p95 http_request_duration_seconds', metric: 'http_request_duration_seconds', stat: 'p95', labels: { route: '/fail' }, window: 300_000, severity: 'fail', op: 'below', threshold: 500, unit: 'ms', value: expect.closeTo(800, 0), status: 'fail' },
        { name: 'p99 http_request_duration_seconds', metric: 'http_request_duration_seconds', stat: 'p99', labels: { route: '/fail' }, window: 300_000, severity: 'warn', op: 'below', threshold: 1000, unit: 'ms', value: expect.closeTo(800, 0), status: 'pass' },
        { name: 'errorRate http_requests_total', metric: 'http_requests_total', stat: 'errorRate', labels: { route: '/fail' }, window: 300_000, severity: 'fail', op: 'below', threshold: 5, unit: 'percent', value: expect.closeTo((18_000 / 198_000) * 100, 6), status: 'fail' },
        { name: 'rate http_requests_total', metric: 'http_requests_total', stat: 'rate', labels: { route: '/fail' }, window: 300_000, severity: 'warn', op: 'above', threshold: 500, unit: 'per_second', value: 660, status: 'pass' },
      ],
    });
  });

  it(`reads the URL from PULSEWATCH_URL when none is given; a typed URL beats the environment`, async () => {
    const budget = ['--label', 'route=/pass', '--fail', 'p95 < 500ms'];
    const [fromEnv, typed, both] = await Promise.all([
      runCli(['check', ...budget], { PULSEWATCH_URL: server.url }),
      runCli(['check', server.url, ...budget], { PULSEWATCH_URL: 'http://127.0.0.1:1/elsewhere', PULSEWATCH_PROMETHEUS_URL: 'http://127.0.0.1:1' }),
      runCli(['check', ...budget], { PULSEWATCH_URL: server.url, PULSEWATCH_PROMETHEUS_URL: 'http://127.0.0.1:1' }),
    ]);
    for (const run of [fromEnv, typed]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`pulsewatch ${server.url}/`);
    }
    expect(both.code).toBe(3);
    expect(both.stderr).toContain('PULSEWATCH_URL: both PULSEWATCH_URL and PULSEWATCH_PROMETHEUS_URL are set');
  });

  it('a budget without data counts as a warning by default, and as --on-no-data says', async () => {
    const [byDefault, failing] = await Promise.all([
      runCli(['check', server.url, '--label', 'route=/never', '--fail', 'p95 < 500ms']),
      runCli(['check', server.url, '--label', 'route=/never', '--fail', 'p95 < 500ms', '--on-no-data', 'fail']),
    ]);
    expect(byDefault.code).toBe(1);
    expect(byDefault.stdout).toMatch(/^NO DATA\s+p95 http_request_duration_seconds\{route="\/never"\}\s+no data/m);
    expect(failing.code).toBe(2);
  });
});

describe('exit 3: the source is unreachable or answers something else', { timeout: CHILD_TIMEOUT }, () => {
  it('an address nothing listens on', async () => {
    const url = `http://127.0.0.1:${await freePort()}/api/monitoring`;
    const [human, json] = await Promise.all([runCli(['check', url, '--fail', 'p95 < 500ms']), runCli(['check', url, '--json', '--fail', 'p95 < 500ms'])]);
    expect(human.code).toBe(3);
    expect(human.stderr).toContain(`cannot reach ${url}/metrics/aggregate: ECONNREFUSED`);
    expect(human.stdout).toContain('unknown: the check could not run (exit 3)');
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'unknown', exitCode: 3, budgets: [], error: { code: 'ERR_PULSEWATCH_CLI_UNREACHABLE' } });
  });

  it('a URL that is not the handler base path', async () => {
    const run = await runCli(['check', server.url.replace('/api/monitoring', '/wrong'), '--fail', 'p95 < 500ms']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("answered 404: is http://127.0.0.1:");
  });

  it('a counter asked for a percentile names the budget and the stat', async () => {
    const run = await runCli(['check', server.url, '--fail', 'p95(http_requests_total) < 500ms']);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('--fail[0].stat: p95 needs a histogram; http_requests_total is a counter');
  });
});

describe('a monitoring handler behind auth', { timeout: CHILD_TIMEOUT }, () => {
  it('sends PULSEWATCH_TOKEN as a bearer token', async () => {
    const run = await runCli(['check', guarded.url, '-l', 'route=/pass', '--fail', 'p95 < 500ms'], { PULSEWATCH_TOKEN: TOKEN });
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });

  it('without a token, or with a refused one, exits 3 and never prints the token', async () => {
    const wrong = `${TOKEN}-wrong`;
    const [none, refused, inUrl] = await Promise.all([
      runCli(['check', guarded.url, '--fail', 'p95 < 500ms']),
      runCli(['check', guarded.url, '--token', wrong, '--fail', 'p95 < 500ms', '--json']),
      runCli(['check', guarded.url.replace('http://', `http://user:${wrong}@`), '--token', wrong, '--fail', 'p95 < 500ms']),
    ]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('answered 401: it needs a token (--token or PULSEWATCH_TOKEN)');
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout).error.message).toContain('answered 401: the token was refused');
    expect(inUrl.code).toBe(3);
    for (const run of [refused, inUrl]) expect(run.stdout + run.stderr).not.toContain(wrong);
  });
});

describe('exit 3: bad input names the field', { timeout: CHILD_TIMEOUT }, () => {
  const write = async (name: string, text: string): Promise<string> => {
    const file = join(dir, name);
    await writeFile(file, text);
    return file;
  };

  it('a budget file that does not parse, an unknown key, a threshold that is not a number', async () => {
    const broken = await write('broken.yaml', 'budgets:\n  - stat: p95\n    below: [500ms\n');
    const unknown = await write('unknown.json', JSON.stringify({ budgets: [{ stat: 'p95', below: '500ms', p95x: 1 }] }));
    const notNumber = await write('nan.yaml', 'budgets:\n  - stat: p95\n    below: 500ms\n  - stat: errorRate\n    below: lots\n');
    const runs = await Promise.all([broken, unknown, notNumber].map((file) => runCli(['check', server.url, '--budgets', file])));
    expect(runs.map((r) => r.code)).toEqual([3, 3, 3]);
    expect(runs[0]!.stderr).toContain(`${broken}: does not parse as YAML`);
    expect(runs[1]!.stderr).toContain(`${unknown}: budgets[0].p95x: unknown key`);
    expect(runs[2]!.stderr).toContain(`${notNumber}: budgets[1].below: expected a percentage from 0 to 100 such as 5%, got "lots"`);
  });

  it('a bad interval, window, stat or flag expression; no budgets; no URL', async () => {
    const runs = await Promise.all([
      runCli(['check', server.url, '--watch', '--interval', 'soon', '--fail', 'p95 < 1s']),
      runCli(['check', server.url, '--watch', '--interval', '30', '--fail', 'p95 < 1s']),
      runCli(['check', server.url, '--window', '5 minutes', '--fail', 'p95 < 1s']),
      runCli(['check', server.url, '--fail', 'p42 < 1s']),
      runCli(['check', server.url, '--fail', 'p95 is fast']),
      runCli(['check', server.url]),
      runCli(['check', '--fail', 'p95 < 1s']),
      runCli(['check', server.url, '--interval', '30s', '--fail', 'p95 < 1s']),
    ]);
    expect(runs.map((r) => r.code)).toEqual([3, 3, 3, 3, 3, 3, 3, 3]);
    expect(runs[0]!.stderr).toContain("option '--interval <duration>' argument 'soon' is invalid");
    expect(runs[1]!.stderr).toContain('At least 1s; a bare number is milliseconds (write 30s for seconds)');
    expect(runs[2]!.stderr).toContain('--window: expected a window from 1s to 30d');
    expect(runs[3]!.stderr).toContain('--fail[0].stat: unknown stat "p42"');
    expect(runs[4]!.stderr).toContain('--fail[0]: expected "<stat>[(<metric>)] < or > <threshold>"');
    expect(runs[5]!.stderr).toContain('budgets: nothing to check');
    expect(runs[6]!.stderr).toContain('url: no source');
    expect(runs[7]!.stderr).toContain('--interval: only applies with --watch');
  });

  it('with --json, bad input is a JSON document on stdout too', async () => {
    const [usage, budget] = await Promise.all([
      runCli(['check', server.url, '--json', '--watch', '--interval', 'soon', '--fail', 'p95 < 1s']),
      runCli(['check', server.url, '--json', '--fail', 'p95 < soon']),
    ]);
    expect(JSON.parse(usage.stdout)).toEqual({ status: 'unknown', exitCode: 3, error: { code: 'ERR_PULSEWATCH_CLI_INPUT', message: expect.stringContaining("option '--interval <duration>' argument 'soon' is invalid") } });
    expect(JSON.parse(budget.stdout)).toEqual({ status: 'unknown', exitCode: 3, error: { code: 'ERR_PULSEWATCH_CLI_INPUT', message: expect.stringContaining('--fail[0] threshold: expected a duration') } });
    expect([usage.code, budget.code]).toEqual([3, 3]);
  });
});

describe('--help', { timeout: CHILD_TIMEOUT }, () => {
  it('describes the program and every command, exit 0', async () => {
    const [program, check, viaHelp] = await Promise.all([runCli(['--help']), runCli(['check', '--help']), runCli(['help', 'check'])]);
    expect(program.code).toBe(0);
    expect(program.stdout).toContain('check [options] [url]');
    for (const run of [check, viaHelp]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Usage: pulsewatch check [options] [url]');
      expect(run.stdout).toContain('PULSEWATCH_URL');
      expect(run.stdout).toContain('--watch');
      expect(run.stdout).toContain('Exit codes: 0');
    }
  });
});
