import { startPrometheus as startServer } from '../../helpers/prometheus.js';

/** A real Prometheus on a free loopback port, scraping one target (test/helpers/prometheus.ts starts it). */
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
  const t = new URL(target);
  const server = await startServer({ targets: [t.host], metricsPath: t.pathname });
  return {
    url: server.url,
    query: async (promql) => (await server.query(promql)).map((s) => Number(s.value[1])),
    stop: () => server.stop(),
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
