import { writeFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import { metricsFromExposition } from '../../export/exposition-source.js';
import { grafanaDashboard } from '../../export/grafana-dashboard.js';
import { toPrometheusRules } from '../../export/prometheus-rules.js';
import { CliError, CliInputError, EXIT_CODES } from '../errors.js';
import type { CliIo } from '../io.js';
import { parseSourceUrl, timeoutArg } from '../options.js';
import { displayUrl, getText, parseJson, printable, type HttpOptions } from '../sources/http.js';
import { ENV, tokenOf } from './check.js';

interface ExportFlags {
  token?: string;
  timeout: number;
  out?: string;
  group?: string;
  title?: string;
}

/** What a running service tells about itself: its rules (JSON) and its exposition (text). */
async function read(base: string, http: HttpOptions, withRules: boolean): Promise<{ rules: unknown[]; exposition: string }> {
  const url = (path: string): URL => new URL(`${base.replace(/\/+$/, '')}${path}`);
  const metrics = await getText(url('/metrics'), http, 'text/plain;version=0.0.4');
  if (metrics.status !== 200) throw new CliError('ERR_PULSEWATCH_CLI_SOURCE', `GET /metrics answered ${metrics.status}: ${printable(metrics.body)}`);
  // A wrong base path in front of a web server answers 200 with a page: read as an exposition,
  // it has no metric, and an empty dashboard would be written with exit 0.
  if (!isExposition(metrics.body)) {
    throw new CliError('ERR_PULSEWATCH_CLI_SOURCE', `GET /metrics did not answer a Prometheus text exposition (is ${displayUrl(base)} the monitoring handler's base path?)`);
  }
  if (!withRules) return { rules: [], exposition: metrics.body };
  const answer = await getText(url('/alerts/rules'), http, 'application/json');
  if (answer.status !== 200) throw new CliError('ERR_PULSEWATCH_CLI_SOURCE', `GET /alerts/rules answered ${answer.status}: ${printable(answer.body)}`);
  const rules = (parseJson(answer.body, url('/alerts/rules'), '{ "rules": [...] }') as { rules?: unknown }).rules;
  if (!Array.isArray(rules)) throw new CliError('ERR_PULSEWATCH_CLI_SOURCE', 'GET /alerts/rules did not answer { "rules": [...] }');
  return { rules, exposition: metrics.body };
}

/** A sample line: a metric name, its labels if any, whitespace and a value. */
const SAMPLE_LINE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?[ \t]+\S/;

/**
 * True when every line of `text` is blank, a comment (`# HELP`, `# TYPE`, `# EOF`) or a sample,
 * and one is a `# TYPE` line: a monitoring handler always sends one (its `pulsewatch_dropped_total`
 * at least), and a page answering `Not Found` (two words: a "sample") or nothing is not one.
 */
function isExposition(text: string): boolean {
  let typed = false;
  for (const line of text.split('\n')) {
    const l = line.trim();
    if (l.startsWith('# TYPE ')) typed = true;
    if (l !== '' && !l.startsWith('#') && !SAMPLE_LINE.test(l)) return false;
  }
  return typed;
}

function exportCommand(io: CliIo, done: (code: number) => void, name: 'rules' | 'dashboard'): Command {
  const what = name === 'rules' ? 'a Prometheus rule file (YAML) for the service\'s alert rules' : 'a Grafana dashboard (JSON) for the metrics the service records';
  const command = new Command(name)
    .description(`Write ${what}, read from its monitoring handler (docs/prometheus.md).`)
    .argument('[url]', `the monitoring handler's base URL (default: $${ENV.url})`)
    .addOption(new Option('--token <token>', 'bearer token for a handler behind auth (prefer the env var: flags show in ps)').env(ENV.token))
    .addOption(new Option('--timeout <duration>', 'per request').argParser(timeoutArg).default(10_000, '10s'))
    .option('-o, --out <file>', 'write to this file instead of stdout');
  if (name === 'rules') command.option('--group <name>', 'rule group name (default: pulsewatch)');
  else command.option('--title <title>', 'dashboard title');
  return command.action(async (urlArg: string | undefined, flags: ExportFlags, cmd: Command) => {
    io.secret(flags.token);
    try {
      const raw = urlArg ?? io.env[ENV.url];
      if (raw === undefined || raw === '') throw new CliInputError('url', `pass the monitoring handler's URL or set ${ENV.url}`);
      const http: HttpOptions = { token: tokenOf(flags.token, cmd), timeout: flags.timeout };
      const base = parseSourceUrl(raw, urlArg === undefined ? ENV.url : 'url');
      const { rules, exposition } = await read(base, http, name === 'rules');
      const metrics = metricsFromExposition(exposition);
      let text: string;
      if (name === 'rules') {
        const out = toPrometheusRules(rules, { metrics, ...(flags.group === undefined ? {} : { group: flags.group }) });
        for (const s of out.skipped) io.err(`skipped "${printable(s.name, 200)}": ${printable(s.reason)}\n`);
        for (const a of out.approximations) for (const note of a.notes) io.err(`note "${printable(a.name, 200)}": ${printable(note)}\n`);
        text = out.yaml;
      } else {
        text = `${JSON.stringify(grafanaDashboard(metrics, flags.title === undefined ? {} : { title: flags.title }), null, 2)}\n`;
      }
      if (flags.out === undefined) io.out(text);
      else await writeFile(flags.out, text);
      done(EXIT_CODES.ok);
    } catch (error) {
      // Unreachable, refused, an answer that is not what a monitoring handler sends, a file that
      // cannot be written: exit 3, as `check` does when it could not look.
      io.err(`pulsewatch ${name}: ${printable(error instanceof Error ? error.message : String(error), 500)}\n`);
      done(EXIT_CODES.unknown);
    }
  });
}

/** `pulsewatch rules [url]`: the service's alert rules as a Prometheus rule file. */
export function rulesCommand(io: CliIo, done: (code: number) => void): Command {
  return exportCommand(io, done, 'rules');
}

/** `pulsewatch dashboard [url]`: a Grafana dashboard for the service's metrics. */
export function dashboardCommand(io: CliIo, done: (code: number) => void): Command {
  return exportCommand(io, done, 'dashboard');
}
