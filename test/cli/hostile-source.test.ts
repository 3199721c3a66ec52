import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { BudgetDefaults } from '../../src/cli/budget/budget.js';
import { parseBudgetExpression } from '../../src/cli/budget/expression.js';
import { runCheck } from '../../src/cli/check.js';
import { scrubber, type CliIo } from '../../src/cli/io.js';
import { intervalArg } from '../../src/cli/options.js';
import { runCli } from '../../src/cli/program.js';
import { prometheusSource } from '../../src/cli/sources/prometheus.js';
import { pulsewatchSource } from '../../src/cli/sources/pulsewatch.js';

const DEFAULTS: BudgetDefaults = { window: 300_000, labels: {}, metrics: { latency: 'http_request_duration_seconds', requests: 'http_requests_total' } };
const budget = (expr: string) => parseBudgetExpression(expr, 'fail', DEFAULTS, '--fail[0]');

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A loopback server answering each request with `answer(request)`. */
async function serve(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(answer);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

/** An in-process CliIo that records what would be printed, scrubbed as the real one scrubs. */
function recordingIo(env: Record<string, string> = {}): CliIo & { printed: () => string } {
  const scrub = scrubber();
  let printed = '';
  return {
    out: (t) => void (printed += scrub.apply(t)),
    err: (t) => void (printed += scrub.apply(t)),
    env,
    secret: (v) => scrub.add(v),
    onInterrupt: () => undefined,
    offInterrupt: () => undefined,
    printed: () => printed,
  };
}

describe('hostile or extreme answers from the checked source', () => {
  it('a +Inf quantile from Prometheus (latencies past the last bucket) fails the budget; it is not "no data"', async () => {
    const url = await serve((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [1, '+Inf'] }] } }));
    });
    const result = await runCheck(prometheusSource(url, { timeout: 5_000 }), [budget('p95 < 500ms')], { noData: 'pass' });
    expect(result.results[0]).toMatchObject({ status: 'fail', value: Number.POSITIVE_INFINITY });
    expect(result.exitCode).toBe(2);
  });

  it('an errorRate over more error values than are read is an error, not an undercount that passes', async () => {
    // 60 distinct 5xx-like values, each 1 request; 100 requests in all: 60 % errors (50 % if only 50 values were read).
    const values = Array.from({ length: 60 }, (_, i) => `5${String(i).padStart(2, '0')}`);
    const url = await serve((req, res) => {
      const u = new URL(req.url!, 'http://x');
      if (u.pathname.endsWith('/metrics')) {
        res.setHeader('content-type', 'text/plain');
        res.end([`http_requests_total{status="200"} 40`, ...values.map((v) => `http_requests_total{status="${v}"} 1`)].join('\n') + '\n');
        return;
      }
      const status = u.searchParams.get('label.status');
      const sum = status === null ? 100 : 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'counter', unit: null, count: sum, sum, rate: sum / 300, mean: null, min: null, max: null, p50: null, p90: null, p95: null, p99: null, p999: null }));
    });
    const result = await runCheck(pulsewatchSource(url, { timeout: 5_000 }), [budget('error_rate < 55%')], { noData: 'pass' });
    expect(result.results[0]!.status).toBe('error');
    expect(result.exitCode).toBe(3);
  });
});

describe('text a source sends is printed without control characters', () => {
  it("an ANSI escape in Prometheus' error or the endpoint's 400 message is shown as ?", async () => {
    const url = await serve((req, res) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'application/json');
      const evil = 'bad\u001b]52;c;ZXZpbA==\u0007\u001b[2J';
      res.end(JSON.stringify(req.url!.startsWith('/api/v1/') ? { status: 'error', errorType: 'bad_data', error: evil } : { error: { message: evil } }));
    });
    for (const source of [prometheusSource(url, { timeout: 5_000 }), pulsewatchSource(url, { timeout: 5_000 })]) {
      const result = await runCheck(source, [budget('p95 < 1s')], { noData: 'pass' });
      const message = result.results[0]!.error!.message;
      expect(message).toContain('bad?]52;c;ZXZpbA==??[2J');
      expect(message).not.toMatch(/[\u0000-\u001f]/);
    }
  });
});

describe('an exposition too large to read every series of', () => {
  it('an errorRate whose series are not all read is an error, not an undercount', async () => {
    // 10,000 series of 200s, then the 500s: a parser that stops at 10,000 never sees them.
    const lines = Array.from({ length: 10_000 }, (_, i) => `http_requests_total{route="/r${i}",status="200"} 1`);
    lines.push('http_requests_total{route="/r0",status="500"} 10000');
    const url = await serve((req, res) => {
      const u = new URL(req.url!, 'http://x');
      if (u.pathname.endsWith('/metrics')) {
        res.setHeader('content-type', 'text/plain');
        res.end(`${lines.join('\n')}\n`);
        return;
      }
      const sum = u.searchParams.get('label.status') === null ? 20_000 : 10_000;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'counter', unit: null, count: 1, sum, rate: sum / 300, mean: null, min: null, max: null, p50: null, p90: null, p95: null, p99: null, p999: null }));
    });
    const result = await runCheck(pulsewatchSource(url, { timeout: 5_000 }), [budget('error_rate < 5%')], { noData: 'pass' });
    expect(result.results[0]!.status).toBe('error');
    expect(result.exitCode).toBe(3);
  });
});

describe('what the monitoring handler answers when nothing matched (sum, rate and the stats null)', () => {
  const EMPTY = { count: 0, sum: null, min: null, max: null, mean: null, p50: null, p90: null, p95: null, p99: null, p999: null, rate: null, last: null, series: 0 };

  it('a metric with no data in the window is "no data", not an unreadable source', async () => {
    const url = await serve((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name: 'http_requests_total', kind: 'unknown', window: 300_000, ...EMPTY }));
    });
    const result = await runCheck(pulsewatchSource(url, { timeout: 5_000 }), [budget('throughput > 1'), budget('p95 < 1s')], { noData: 'warn' });
    expect(result.error).toBeUndefined();
    expect(result.results.map((r) => r.status)).toEqual(['nodata', 'nodata']);
    expect(result.exitCode).toBe(1);
  });

  it('an error value no series of the filtered route has counts 0 errors', async () => {
    const url = await serve((req, res) => {
      const u = new URL(req.url!, 'http://x');
      if (u.pathname.endsWith('/metrics')) {
        res.setHeader('content-type', 'text/plain');
        res.end('http_requests_total{route="/a",status="200"} 98\nhttp_requests_total{route="/a",status="500"} 2\nhttp_requests_total{route="/b",status="503"} 7\n');
        return;
      }
      const status = u.searchParams.get('label.status');
      res.setHeader('content-type', 'application/json');
      // Fleet-wide amounts on /a: every status the exposition shows is read, so the errors' share is exact.
      const matched = status === null ? 100 : status === '200' ? 98 : status === '500' ? 2 : undefined;
      res.end(JSON.stringify(matched === undefined ? { name: 'http_requests_total', kind: 'counter', window: 300_000, ...EMPTY } : { name: 'http_requests_total', kind: 'counter', window: 300_000, ...EMPTY, count: 1, sum: matched, rate: matched / 300, last: matched, series: 1 }));
    });
    const onA = parseBudgetExpression('error_rate < 5%', 'fail', { ...DEFAULTS, labels: { route: '/a' } }, '--fail[0]');
    const result = await runCheck(pulsewatchSource(url, { timeout: 5_000 }), [onA], { noData: 'fail' });
    expect(result.error).toBeUndefined();
    expect(result.results[0]).toMatchObject({ status: 'pass', value: 2 });
    expect(result.exitCode).toBe(0);
  });
});

describe('hostile input on the command line', () => {
  it('a token with a character no HTTP header may carry is refused without printing it, in --json too', async () => {
    const token = 'pw-multi\nline-secret';
    // Commander reads PULSEWATCH_TOKEN from process.env, not from the io: the flag stands for both here.
    const io = recordingIo();
    const code = await runCli(['node', 'pulsewatch', 'check', 'http://127.0.0.1:9/api', '--fail', 'p95 < 1s', '--json', '--token', token], io);
    expect(code).toBe(3);
    expect(io.printed()).toContain('--token: contains a character');
    expect(io.printed()).not.toContain('pw-multi');
    expect(io.printed()).not.toContain('line-secret');
  });

  it('a mistyped token flag (--tokne=<token>) is named in the usage error without its value, in --json too', async () => {
    for (const json of [[], ['--json']]) {
      const io = recordingIo();
      const code = await runCli(['node', 'pulsewatch', 'check', 'http://127.0.0.1:9/api', '--fail', 'p95 < 1s', '--tokne=pw-typo-secret', ...json], io);
      expect(code).toBe(3);
      expect(io.printed()).toContain("unknown option '--tokne=…'");
      expect(io.printed()).not.toContain('pw-typo-secret');
    }
  });

  it('an --interval past what a timer can wait (30d fires after 1 ms in Node) is refused; 1d is the most', () => {
    expect(() => intervalArg('30d')).toThrow(/At most 1d/);
    expect(() => intervalArg('86400001')).toThrow(/At most 1d/);
    expect(intervalArg('1d')).toBe(86_400_000);
  });

  it('a secret is scrubbed from output in its JSON-escaped form as well', () => {
    const scrub = scrubber();
    scrub.add('tok"en\\value');
    expect(scrub.apply(JSON.stringify({ message: 'sent tok"en\\value' }))).toBe(JSON.stringify({ message: 'sent ***' }));
    expect(scrub.apply('plain tok"en\\value')).toBe('plain ***');
  });

  it('a threshold too large to be a number is refused, not read as Infinity (a budget that always holds)', async () => {
    const io = recordingIo();
    const code = await runCli(['node', 'pulsewatch', 'check', 'http://127.0.0.1:9/api', '--fail', `p95 < ${'9'.repeat(400)}ms`], io);
    expect(code).toBe(3);
    expect(io.printed()).toContain('--fail[0] threshold');
  });

  it('a budget file that never ends (/dev/zero) is refused at the size bound, not read into memory', async () => {
    const io = recordingIo();
    const code = await runCli(['node', 'pulsewatch', 'check', 'http://127.0.0.1:9/api', '--budgets', '/dev/zero'], io);
    expect(code).toBe(3);
    expect(io.printed()).toContain('larger than');
  }, 20_000);
});
