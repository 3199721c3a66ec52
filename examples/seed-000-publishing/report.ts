// What the run shows, read the way an operator would: over HTTP from seed 000's endpoints, plus
// what the webhook receiver and the breakers' events saw. Prints a summary for people and one
// `RESULT {...}` line of JSON for the example's test.
import type { JobLog } from './publishing.js';
import type { LoadStats } from './load.js';
import type { ReceivedAlert } from './monitoring.js';

interface Inputs {
  base: string;
  token: string;
  startedAt: number;
  log: JobLog;
  load: LoadStats;
  received: ReceivedAlert[];
  transitions: { name: string; from: string; to: string; minute: number; consecutiveFailures: number }[];
  storage: string;
}

/** Reads seed 000's endpoints and prints the summary and the RESULT line; returns the result. */
export async function report(input: Inputs): Promise<Record<string, unknown>> {
  const get = async (path: string, auth = true) => {
    const res = await fetch(`${input.base}${path}`, { headers: auth ? { authorization: `Bearer ${input.token}` } : {} });
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, body: type.includes('json') ? await res.json() : await res.text() };
  };
  const health = await get('/api/health', false);
  const platforms = await get('/api/health/platforms', false);
  const metrics = await get('/api/metrics');
  const oneJob = await get('/api/metrics?jobId=content-generation');
  const prometheus = await get('/api/metrics?format=prometheus');
  const letters = await get('/api/jobs/dead-letters?limit=1000');
  const bottlenecks = await get('/api/jobs/bottlenecks');
  const baselines = await get('/api/jobs/baselines');
  const history = await get('/api/alerts/history?limit=500');
  const minute = (at: number) => Math.round(((at - input.startedAt) / 60_000) * 100) / 100;

  const snapshot = metrics.body as { jobs: { jobId: string; totalExecutions: number; successRate: number; avgExecutionTime: number; p95ExecutionTime: number }[]; queue: unknown; system: unknown; alerts: { active: number }; breakers: { name: string; state: string; failures: number; rejects: number }[] };
  console.log(`\nGET /api/health -> ${health.status}:`, JSON.stringify((health.body as { overall: unknown }).overall));
  console.log('GET /api/metrics jobs (last hour):');
  console.table(snapshot.jobs);
  console.log('breakers:', snapshot.breakers.map((b) => `${b.name} ${b.state} (${b.failures} failed, ${b.rejects} refused)`).join(', '));
  console.log('breaker transitions:', input.transitions.map((t) => `${t.name} ${t.from}->${t.to} @${t.minute}m`).join(', '));
  console.log('bottlenecks:', JSON.stringify((bottlenecks.body as { bottlenecks: unknown }).bottlenecks));
  const deadLetters = (letters.body as { deadLetters: { job: string; attempts: number; retries: number; status: string; error: string }[] }).deadLetters;
  console.log(`dead letters: ${deadLetters.length}`, countBy(deadLetters.map((l) => l.job)));
  console.log('alert webhooks:', input.received.map((r) => `${r.alertname}{${r.labels['type'] ?? r.labels['breaker'] ?? ''}} ${r.status} @${minute(r.at)}m (${r.reason})`).join('; '));

  const result = {
    storage: input.storage,
    health: { httpStatus: health.status, body: health.body },
    platformsHealth: { httpStatus: platforms.status, body: platforms.body },
    metrics: snapshot,
    metricsForOneJob: oneJob.body,
    prometheusHasJobMetrics: typeof prometheus.body === 'string' && prometheus.body.includes('# TYPE job_run_duration_seconds histogram'),
    deadLetters: deadLetters.map((l) => ({ job: l.job, attempts: l.attempts, retries: l.retries, status: l.status, error: l.error })),
    bottlenecks: (bottlenecks.body as { bottlenecks: unknown }).bottlenecks,
    baselines: baselines.body,
    jobLog: { peak: input.log.peak, burstStarts: input.log.burstStarts, exportAttempts: input.log.exportAttempts, postRuns: input.log.postRuns },
    load: input.load,
    alertHistory: (history.body as { alerts: { ruleName: string; labels: Record<string, string>; severity: string; type: string; status: string; startsAt?: number; endsAt?: number }[] }).alerts.map((a) => ({
      ruleName: a.ruleName,
      type: a.type,
      severity: a.severity,
      group: a.labels['type'] ?? a.labels['breaker'] ?? '',
      status: a.status,
      startsAt: a.startsAt === undefined ? undefined : minute(a.startsAt),
      endsAt: a.endsAt === undefined ? undefined : minute(a.endsAt),
    })),
    alertsReceived: input.received.map((r) => ({ ...r, minute: minute(r.at) })),
    breakerTransitions: input.transitions,
  };
  console.log(`RESULT ${JSON.stringify(result)}`);
  return result;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
