// Two hours of the platform, simulated in seconds on a ManualClock (pulsewatch/testing) that
// the monitor runs on: each simulated minute sends real HTTP requests to the app, posts the
// minute's system sample to seed 003's Record Metric API (POST /api/monitoring/metrics) as a
// collector would, and moves the clock on a minute (the monitor's flushes and rule evaluations
// run as they would). The figures are the seed's own report example: response time about
// 280 ms the hour before last and 245 ms in the last hour (decreasing about 12.5 %), error rate
// about 1.2 %, memory 80 -> 88 % (past the 85 % recommendation threshold), CPU 45.8 %. In the
// last five minutes a burst of projects is created (the custom rule's alert).
import type { ManualClock } from 'pulsewatch/testing';
import type { Answer } from './api.js';
import type { App } from './app.js';

type Call = (method: string, path: string, body?: unknown) => Promise<Answer>;

/** What the simulation sent. */
export interface SimResult {
  requests: number;
  projects: number;
  posted: number;
}

/** The response time of a request now: drawn around the current hour's median. */
export function workTime(clock: ManualClock, end: number): () => number {
  return () => {
    const median = clock.now() < end - 3_600_000 ? 280 : 245;
    return Math.round(median * (0.85 + 0.3 * Math.random()));
  };
}

/** Runs `minutes` simulated minutes, `perMinute` requests each, ending at `end` on the clock. */
export async function simulate(app: App, api: Call, clock: ManualClock, minutes: number, perMinute: number, end: number): Promise<SimResult> {
  const result: SimResult = { requests: 0, projects: 0, posted: 0 };
  const paths = ['/api/projects', '/api/projects/7', '/api/reviews', '/api/sessions/3'];
  for (let minute = 0; minute < minutes; minute++) {
    const previousHour = clock.now() < end - 3_600_000;
    const burst = minute >= minutes - 5;
    const requests = Array.from({ length: perMinute }, (_, i) => fetch(`${app.base}${paths[i % paths.length]}`).then((r) => r.arrayBuffer()));
    const creates = Array.from({ length: burst ? 3 : minute % 10 === 0 ? 1 : 0 }, () => fetch(`${app.base}/api/projects`, { method: 'POST' }).then((r) => r.arrayBuffer()));
    await Promise.all([...requests, ...creates]);
    result.requests += requests.length + creates.length;
    result.projects += creates.length;
    const posted = await api('POST', '/metrics', [
      { metricType: 'memory_usage', value: previousHour ? 80 : 88, unit: 'percent' },
      { metricType: 'cpu_usage', value: 45.8, unit: 'percent' },
    ]);
    if (posted.status !== 202) throw new Error(`POST /metrics answered ${posted.status}: ${JSON.stringify(posted.body)}`);
    result.posted += (posted.body as { accepted: number }).accepted;
    app.tick();
    await clock.advanceAsync(Math.min(60_000, end - clock.now()));
  }
  return result;
}
