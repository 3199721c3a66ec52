import { open } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { Budget, BudgetDefaults, Severity } from '../budget/budget.js';
import { parseWindow } from '../budget/budget.js';
import type { NoDataPolicy } from '../budget/evaluate.js';
import { parseBudgetExpression } from '../budget/expression.js';
import { MAX_BUDGET_FILE_BYTES, parseBudgetFile } from '../budget/file.js';
import { DEFAULT_METRICS } from '../budget/stats.js';
import { runCheck, type CheckResult } from '../check.js';
import { CliInputError, EXIT_CODES } from '../errors.js';
import { collect, intervalArg, labelArg, metricArg, parseSourceUrl, timeoutArg } from '../options.js';
import { describeChanges } from '../output/changes.js';
import { toJson } from '../output/json.js';
import { renderTable } from '../output/table.js';
import { budgetQuery } from '../sources/promql.js';
import { prometheusSource } from '../sources/prometheus.js';
import { pulsewatchSource } from '../sources/pulsewatch.js';
import type { Source } from '../sources/source.js';
import { watchLoop } from '../watch.js';
import type { CliIo } from '../io.js';

/** Environment variables the command reads. */
export const ENV = {
  url: 'PULSEWATCH_URL',
  prometheus: 'PULSEWATCH_PROMETHEUS_URL',
  token: 'PULSEWATCH_TOKEN',
} as const;

/** A `--fail`/`--warn` value with its place among the values of its flag. */
interface TypedBudget {
  severity: Severity;
  text: string;
  index: number;
}

interface CheckFlags {
  prometheus?: string;
  budgets?: string;
  fail?: string[];
  warn?: string[];
  window?: string;
  label?: Record<string, string>;
  metric: string;
  requestsMetric: string;
  onNoData: NoDataPolicy;
  token?: string;
  timeout: number;
  json?: boolean;
  watch?: boolean;
  interval?: number;
}

const EXAMPLES = `
Examples:
  # seed 001's release gate: p95 < 500ms fails, p99 < 1s warns, error rate < 5% fails, throughput > 500/s warns
  pulsewatch check http://localhost:3000/api/monitoring \\
    --fail 'p95 < 500ms' --warn 'p99 < 1s' --fail 'error_rate < 5%' --warn 'throughput > 500'

  # the same budgets from a file, against every instance Prometheus scrapes
  pulsewatch check --prometheus http://prometheus:9090 --label job=api --budgets budgets.yaml

  # seed 004: keep watching the chat SLA every 30 s (Ctrl-C stops)
  PULSEWATCH_URL=https://chat.example.com/api/monitoring pulsewatch check --watch \\
    --fail 'p95(message_latency_ms) < 5s' --warn 'mean(message_latency_ms) < 2s'

Exit codes: 0 every budget holds, 1 a warn budget is broken, 2 a fail budget is broken,
3 the source is unreachable or the input is invalid (or a budget could not be read).
Docs: docs/cli.md`;

/** The `check` command: thin; parsing, reading and evaluating live in their own modules. */
export function checkCommand(io: CliIo, done: (exitCode: number) => void): Command {
  // --fail and --warn in the order typed (commander keeps one list per flag): the table follows it.
  const typed: TypedBudget[] = [];
  const typedAs = (severity: Severity) => (value: string, previous?: string[]) => {
    typed.push({ severity, text: value, index: previous?.length ?? 0 });
    return collect(value, previous);
  };
  return new Command('check')
    .description('check budgets against a pulsewatch monitoring endpoint or a Prometheus server')
    .argument('[url]', `the monitoring handler's base URL, e.g. http://localhost:3000/api/monitoring (env: ${ENV.url})`)
    .addOption(new Option('--prometheus <url>', "read from a Prometheus server's HTTP API instead").env(ENV.prometheus))
    .option('-b, --budgets <file>', 'budgets from a JSON or YAML file (docs/cli.md#budget-files)')
    .option('--fail <budget>', "a budget that fails the check (exit 2) when broken, e.g. 'p95 < 500ms'; repeatable", typedAs('fail'))
    .option('--warn <budget>', "a budget that warns (exit 1) when broken, e.g. 'p99 < 1s'; repeatable", typedAs('warn'))
    .option('-w, --window <duration>', 'window of budgets that name none (default: 5m, or the file\'s)')
    .option('-l, --label <name=value>', 'only series with this label; repeatable', labelArg)
    .option('--metric <name>', 'latency metric of budgets that name none', metricArg, DEFAULT_METRICS.latency)
    .option('--requests-metric <name>', 'request counter of errorRate, rate and count budgets that name none', metricArg, DEFAULT_METRICS.requests)
    .addOption(new Option('--on-no-data <policy>', 'how a budget without data counts').choices(['pass', 'warn', 'fail']).default('warn'))
    .addOption(new Option('--token <token>', 'bearer token for a handler behind auth (prefer the env var: flags show in ps)').env(ENV.token))
    .addOption(new Option('--timeout <duration>', 'per request').argParser(timeoutArg).default(10_000, '10s'))
    .option('--json', 'one JSON document per check on stdout')
    .option('--watch', 'check continuously and print what changes; Ctrl-C stops (exit 0)')
    .option('--interval <duration>', 'time between checks with --watch (default 30s; a bare number is ms)', intervalArg)
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(run pulsewatch check --help for usage)')
    .action(async (urlArg: string | undefined, flags: CheckFlags, command: Command) => {
      io.secret(flags.token);
      done(await check(io, urlArg, flags, command, typed));
    });
}

async function check(io: CliIo, urlArg: string | undefined, flags: CheckFlags, command: Command, typed: readonly TypedBudget[]): Promise<number> {
  let source: Source;
  let budgets: Budget[];
  try {
    source = sourceOf(io, urlArg, flags, command);
    budgets = await budgetsOf(flags, typed);
    if (source.kind === 'prometheus') for (const b of budgets) budgetQuery(b); // min/max have no PromQL: refuse before checking
    if (flags.interval !== undefined && !flags.watch) throw new CliInputError('--interval', 'only applies with --watch');
  } catch (error) {
    if (!(error instanceof CliInputError)) throw error;
    if (flags.json) io.out(`${JSON.stringify({ status: 'unknown', exitCode: EXIT_CODES.unknown, error: { code: error.code, message: error.message } })}\n`);
    io.err(`pulsewatch check: ${error.message}\n`);
    return EXIT_CODES.unknown;
  }
  const options = { noData: flags.onNoData };
  if (!flags.watch) {
    const result = await runCheck(source, budgets, options);
    print(io, result, flags.json === true);
    return result.exitCode;
  }
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  io.onInterrupt(onSignal);
  try {
    await watchLoop<CheckResult>({
      interval: flags.interval ?? 30_000,
      signal: stop.signal,
      run: (signal) => runCheck(source, budgets, { ...options, signal }),
      report: (current, previous) => {
        if (flags.json) {
          if (previous === undefined || describeChanges(previous, current).length > 0) io.out(`${JSON.stringify(toJson(current))}\n`);
        } else if (previous === undefined) io.out(renderTable(current));
        else for (const line of describeChanges(previous, current)) io.out(`${line}\n`);
        // Why a check could not run goes to stderr as a single check prints it: the table only
        // says "could not run". The first time, and with --json each new reason (the table's
        // change lines carry a later one on stdout).
        if (current.error !== undefined && (previous === undefined || (flags.json === true && previous.error?.message !== current.error.message))) {
          io.err(`pulsewatch check: ${current.error.message}\n`);
        }
      },
    });
  } finally {
    io.offInterrupt(onSignal);
  }
  io.err('pulsewatch check: stopped\n');
  return EXIT_CODES.ok;
}

function print(io: CliIo, result: CheckResult, json: boolean): void {
  if (json) io.out(`${JSON.stringify(toJson(result))}\n`);
  else io.out(renderTable(result));
  if (result.error) io.err(`pulsewatch check: ${result.error.message}\n`);
}

/**
 * The source, from the explicit argument or flag first, then the environment. An explicit URL
 * and an explicit `--prometheus` together are a conflict the user must resolve; an environment
 * value never overrides what was typed.
 */
function sourceOf(io: CliIo, urlArg: string | undefined, flags: CheckFlags, command: Command): Source {
  const http = { token: tokenOf(flags.token, command), timeout: flags.timeout };
  const promFromCli = command.getOptionValueSource('prometheus') === 'cli';
  if (urlArg !== undefined && promFromCli) throw new CliInputError('--prometheus', 'give either a pulsewatch URL or --prometheus, not both');
  if (urlArg !== undefined) return pulsewatchSource(parseSourceUrl(urlArg, 'url'), http);
  if (flags.prometheus !== undefined && (promFromCli || io.env[ENV.url] === undefined || io.env[ENV.url] === '')) {
    return prometheusSource(parseSourceUrl(flags.prometheus, promFromCli ? '--prometheus' : ENV.prometheus), http);
  }
  if (flags.prometheus !== undefined) throw new CliInputError(ENV.url, `both ${ENV.url} and ${ENV.prometheus} are set; pass the one to use on the command line`);
  const fromEnv = io.env[ENV.url];
  if (fromEnv !== undefined && fromEnv !== '') return pulsewatchSource(parseSourceUrl(fromEnv, ENV.url), http);
  throw new CliInputError('url', `no source: pass the monitoring handler's URL, --prometheus <url>, or set ${ENV.url}`);
}

/**
 * The bearer token, trimmed (a secret file's trailing newline). One with a character a header
 * cannot carry is refused here, naming where it came from but never quoting it: fetch would
 * otherwise fail with a message that quotes the header, and --json escapes it past the scrubber.
 */
export function tokenOf(token: string | undefined, command: Command): string | undefined {
  if (token === undefined) return undefined;
  const trimmed = token.trim();
  if (/^[\x21-\x7e]*$/.test(trimmed)) return trimmed === '' ? undefined : trimmed;
  const field = command.getOptionValueSource('token') === 'env' ? ENV.token : '--token';
  throw new CliInputError(field, 'contains a character an HTTP header cannot carry (a line break, a space or a non-ASCII character); the value is not shown');
}

/** Reads at most `max` + 1 bytes of `path`: enough to tell a file over the bound without reading it all (`/dev/zero`). */
async function readBounded(path: string, max: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(max + 1);
    let size = 0;
    for (;;) {
      const { bytesRead } = await file.read(buffer, size, buffer.length - size, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > max) throw new CliInputError('--budgets', `${path} is larger than ${max} bytes`);
    }
    return buffer.subarray(0, size).toString('utf8');
  } finally {
    await file.close();
  }
}

/** Budgets from the file (if any), then `--fail` and `--warn` in the order typed. */
async function budgetsOf(flags: CheckFlags, typed: readonly TypedBudget[]): Promise<Budget[]> {
  const windowGiven = flags.window !== undefined;
  const defaults: BudgetDefaults = {
    window: windowGiven ? parseWindow(flags.window, '--window') : 300_000,
    labels: flags.label ?? {},
    metrics: { latency: flags.metric, requests: flags.requestsMetric },
  };
  const budgets: Budget[] = [];
  if (flags.budgets !== undefined) {
    let text: string;
    try {
      text = await readBounded(flags.budgets, MAX_BUDGET_FILE_BYTES);
    } catch (error) {
      if (error instanceof CliInputError) throw error;
      throw new CliInputError('--budgets', `cannot read ${flags.budgets}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    budgets.push(...parseBudgetFile(text, flags.budgets, defaults, windowGiven));
  }
  for (const t of typed) budgets.push(parseBudgetExpression(t.text, t.severity, defaults, `--${t.severity}[${t.index}]`));
  if (budgets.length === 0) throw new CliInputError('budgets', "nothing to check: pass --budgets <file>, --fail '<budget>' or --warn '<budget>'");
  return budgets;
}
