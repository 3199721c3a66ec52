import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/ports.js';

/** The Debian package's binary (scripts/ensure-test-deps.sh installs `prometheus` for promtool). */
export const PROMETHEUS_BIN = '/usr/bin/prometheus';

/** A real Prometheus on a free loopback port, scraping one target, its TSDB in a temp dir. */
export interface PrometheusProcess {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** An instant query's vector values (`GET /api/v1/query`). */
  query(promql: string): Promise<number[]>;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus scraping `target` (`http://host:port/path`) every second and resolves once
 * `/-/ready` answers. Fails with the reason (missing binary, its output if it exits), never skips.
 */
export async function startPrometheus(target: string): Promise<PrometheusProcess> {
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`${PROMETHEUS_BIN} is missing: run scripts/ensure-test-deps.sh (Debian package prometheus)`);
  const t = new URL(target);
  const dir = await mkdtemp(join(tmpdir(), 'pulsewatch-prom-'));
  const config = `global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: api
    metrics_path: ${JSON.stringify(t.pathname)}
    static_configs:
      - targets: [${JSON.stringify(t.host)}]
`;
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
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
  try {
    // A real process starting (not time logic): poll its readiness with a bounded deadline.
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (gone) throw new Error(`prometheus exited while starting:\n${output}`);
      if (Date.now() > deadline) throw new Error(`prometheus did not become ready within 30 s:\n${output}`);
      const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    async query(promql) {
      const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
      const body = (await response.json()) as { status: string; error?: string; data?: { result: { value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(`prometheus refused ${promql}: ${body.error}`);
      return body.data!.result.map((r) => Number(r.value[1]));
    },
    stop,
  };
}

/**
 * Polls `promql` until every query answers one finite number (Prometheus has scraped the target
 * often enough for its rates), up to `limitMs` of real time; fails naming what never came.
 */
export async function waitForData(prometheus: PrometheusProcess, queries: readonly string[], limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const answers = await Promise.all(queries.map((q) => prometheus.query(q)));
    const missing = queries.filter((_, i) => !(answers[i]!.length === 1 && Number.isFinite(answers[i]![0]!)));
    if (missing.length === 0) return;
    if (Date.now() > deadline) throw new Error(`prometheus had no data for ${missing.join(', ')} within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
