import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** One sample of an instant query's answer. */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A real Prometheus server started by a test. */
export interface PrometheusProcess {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** An instant query (`/api/v1/query`); rejects when Prometheus answers an error (a bad expression). */
  query(expr: string): Promise<PromSample[]>;
  /** Polls `expr` until it returns at least one sample, up to `timeoutMs` (a real scrape loop, not time logic). */
  until(expr: string, timeoutMs?: number): Promise<PromSample[]>;
  stop(): Promise<void>;
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** `host:port` targets of one scrape job, `pulsewatch`. */
  targets: string[];
  metricsPath?: string;
  /** Rule files' contents, loaded as `rule_files`. */
  rules?: string[];
}

/** Starts Prometheus scraping `targets` every second, and resolves once `/-/ready` answers 200. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusProcess> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} is missing: run scripts/ensure-test-deps.sh (Debian package prometheus)`);
  const dir = await mkdtemp(join(tmpdir(), 'pulsewatch-prom-'));
  const ruleFiles: string[] = [];
  for (const [i, text] of (options.rules ?? []).entries()) {
    const file = join(dir, `rules-${i}.yml`);
    await writeFile(file, text);
    ruleFiles.push(file);
  }
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: ruleFiles,
    scrape_configs: [{ job_name: 'pulsewatch', metrics_path: options.metricsPath ?? '/metrics', static_configs: [{ targets: options.targets }] }],
  };
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  child.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  const poll = async <T>(what: string, timeoutMs: number, attempt: () => Promise<T | undefined>): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (gone) throw new Error(`prometheus exited while waiting for ${what}:\n${output}`);
      const got = await attempt();
      if (got !== undefined) return got;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`prometheus: no ${what} within ${timeoutMs} ms:\n${output}`);
  };
  const query = async (expr: string): Promise<PromSample[]> => {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: expr })}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error ?? response.status}`);
    return body.data!.result;
  };
  try {
    await poll('readiness', 20_000, async () => ((await fetch(`${url}/-/ready`).catch(() => undefined))?.ok ? true : undefined));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    query,
    until: (expr, timeoutMs = 30_000) => poll(`samples for ${expr}`, timeoutMs, async () => {
      const result = await query(expr);
      return result.length > 0 ? result : undefined;
    }),
    stop,
  };
}
