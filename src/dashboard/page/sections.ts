// The page's tables: alerts (with acknowledge and resolve), health, breakers, jobs, dead letters, SLA.
import { get, post, send } from './api.js';
import { badge, button, fillTable, labelText, num, setText, time, type Cell } from './dom.js';

/** The part of the JSON snapshot (`GET /metrics`) the page reads. */
export interface Snapshot {
  service?: string;
  /** When the monitor took it (ISO 8601, the monitor's clock). */
  timestamp?: string;
  jobs?: { jobId: string; totalExecutions: number; successRate: number; avgExecutionTime: number; p95ExecutionTime: number }[];
  queue?: Record<string, number>;
  system?: { errorRate: number; p95ResponseTime: number };
  performance?: { slowest?: { name: string; labels?: Record<string, string>; count: number; p95: number; max: number }[] };
  breakers?: { name: string; state: string; calls: number; failures: number; rejects: number }[];
}

interface Alert {
  id: string;
  ruleName?: string;
  message?: string;
  severity?: string;
  status?: string;
  startsAt?: number;
  endsAt?: number;
  updatedAt?: number;
  acknowledgedBy?: string;
}

export function renderJobs(s: Snapshot): void {
  const q = s.queue ?? {};
  setText('queue', `queue: ${Object.entries(q).map(([k, v]) => `${k} ${v}`).join(' · ')}`);
  fillTable('job-table', (s.jobs ?? []).map((j) => [j.jobId, j.totalExecutions, `${num(j.successRate)}%`, num(j.avgExecutionTime, 0), num(j.p95ExecutionTime, 0)]), 'no job runs in the window');
}

export function renderBreakers(s: Snapshot): void {
  fillTable('breaker-table', (s.breakers ?? []).map((b) => [b.name, badge(b.state, b.state === 'closed' ? 'ok' : b.state === 'open' ? 'bad' : 'warn'), b.calls, b.failures, b.rejects]), 'no circuit breakers');
}

export function renderSlowest(s: Snapshot): void {
  fillTable('slowest', (s.performance?.slowest ?? []).map((m) => [m.name, labelText(m.labels), m.count, num(m.p95, 3), num(m.max, 3)]), 'no histogram data yet');
}

/** Active alerts with their actions, and the most recent ones; `refresh` polls again after an action. */
export async function renderAlerts(refresh: () => Promise<void>): Promise<void> {
  const [active, recent] = await Promise.all([get<{ alerts: Alert[] }>('/alerts/active'), get<{ alerts: Alert[] }>('/alerts/history?limit=20')]);
  const act = async (alert: Alert, action: 'acknowledge' | 'resolve'): Promise<void> => {
    const answer = await post(`/alerts/${encodeURIComponent(alert.id)}/${action}`, action === 'acknowledge' ? { by: 'dashboard' } : {});
    setText('alert-error', answer.status < 300 ? '' : `${action} refused (${answer.status}): ${answer.message ?? ''}`);
    await refresh();
  };
  const rows = (active.body?.alerts ?? []).map((a): Cell[] => {
    const actions = document.createElement('span');
    actions.className = 'actions';
    if (a.acknowledgedBy === undefined) actions.append(button('Acknowledge', () => void act(a, 'acknowledge')));
    else actions.append(badge(`acked by ${a.acknowledgedBy}`, 'muted'));
    actions.append(button('Resolve', () => void act(a, 'resolve')));
    return [badge(a.severity ?? '', a.severity === 'critical' ? 'bad' : 'warn'), a.ruleName ?? '', a.message ?? '', time(a.startsAt), actions];
  });
  fillTable('active-alerts', rows, active.status === 200 ? 'no active alerts' : `not available (${active.status})`);
  fillTable('recent-alerts', (recent.body?.alerts ?? []).map((a) => [badge(a.status ?? '', a.status === 'resolved' ? 'ok' : 'bad'), a.ruleName ?? '', a.message ?? '', time(a.endsAt ?? a.startsAt)]), recent.status === 200 ? 'no alerts yet' : `not available (${recent.status})`);
}

type HealthReport = { status?: string; checks?: Record<string, { status: string; responseTime?: number; message?: string; critical?: boolean }> };

/** The groups every monitor knows (a group you named yourself is not listed here). */
const GROUPS = ['liveness', 'readiness', 'startup'] as const;

export async function renderHealth(): Promise<void> {
  // 503 is an answer too: an unhealthy report. Each group's report says which checks it runs.
  const [answer, ...groups] = await Promise.all([get<HealthReport>('/health?quick=true'), ...GROUPS.map((g) => get<HealthReport>(`/health?quick=true&group=${g}`))]);
  const report = answer.body;
  const status = report?.status ?? `not available (${answer.status})`;
  const el = document.getElementById('health-status')!;
  el.textContent = status;
  el.className = `badge ${status === 'healthy' ? 'ok' : status === 'degraded' ? 'warn' : 'bad'}`;
  const groupsOf = (name: string): string => GROUPS.filter((_, i) => groups[i]?.body?.checks?.[name] !== undefined).join(' ');
  fillTable('checks', Object.entries(report?.checks ?? {}).map(([name, c]) => [name + (c.critical ? ' (critical)' : ''), badge(c.status, c.status === 'healthy' ? 'ok' : c.status === 'degraded' ? 'warn' : 'bad'), groupsOf(name), num(c.responseTime, 0), c.message ?? '']), 'no checks registered');
}

/** Optional route groups the handler serves (the page's `data-features`): others are not asked for. */
const features = new Set((document.documentElement.dataset.features ?? '').split(' '));
/** A section whose read failed (other than 401) is not asked again until the page reloads: one console line, not one per poll. */
const failed = new Map<string, string>();

function refuse(feature: string, status: number, body: unknown): string {
  const message = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  const text = `not available (${status})${typeof message === 'string' ? `: ${message}` : ''}`;
  failed.set(feature, text);
  return text;
}

type DeadLetter = { id: string; job: string; error: string; attempts: number; failedAt: number };

/** The 20 oldest dead letters with Retry and Delete (write routes: the same rules as acknowledge), and Retry all; `refresh` polls again after an action. */
export async function renderDeadLetters(refresh: () => Promise<void>): Promise<void> {
  if (!features.has('jobs') || failed.has('jobs')) {
    fillTable('dead-letters', [], failed.get('jobs') ?? 'no job runner served by this handler');
    document.getElementById('dead-letter-actions')!.hidden = true;
    return;
  }
  const answer = await get<{ deadLetters: DeadLetter[] }>('/jobs/dead-letters?limit=20');
  const act = async (what: string, request: Promise<{ status: number; message?: string }>): Promise<void> => {
    const done = await request;
    setText('dead-letter-error', done.status < 300 ? '' : `${what} refused (${done.status}): ${done.message ?? ''}`);
    await refresh();
  };
  const letters = answer.body?.deadLetters ?? [];
  const rows = letters.map((d): Cell[] => {
    const actions = document.createElement('span');
    actions.className = 'actions';
    const id = encodeURIComponent(d.id);
    actions.append(button('Retry', () => void act('retry', post(`/jobs/dead-letters/${id}/retry`, {}))));
    actions.append(button('Delete', () => void act('delete', send('DELETE', `/jobs/dead-letters/${id}`))));
    return [d.job, d.error, d.attempts, time(d.failedAt), actions];
  });
  const all = document.getElementById('dead-letter-actions')!;
  all.hidden = letters.length === 0;
  all.replaceChildren(button('Retry all', () => void act('retry all', post('/jobs/dead-letters/retry', {}))));
  fillTable('dead-letters', rows, answer.status === 200 ? 'no dead letters' : refuse('jobs', answer.status, answer.body));
}

function slaStatus(text: string, kind: string): void {
  const el = document.getElementById('sla-status')!;
  el.textContent = text;
  el.className = `badge ${kind}`;
}

/** Seed 004's view: compliance against the objective, the latency bands and the phase breakdown. */
export async function renderSla(): Promise<void> {
  const shown = features.has('sla') && !failed.has('sla');
  for (const id of ['sla-bands', 'sla-phases']) document.getElementById(id)!.hidden = !shown;
  if (!shown) {
    setText('sla-summary', failed.get('sla') ?? 'no SLA analysis served by this handler');
    return;
  }
  const answer = await get<{ data?: { name: string; totalMessages: number; distribution?: Record<string, number>; compliance: { under: number; target: number; percent: number | null; met: boolean | null }; phaseBreakdown?: Record<string, number | null> } }>('/sla');
  const d = answer.body?.data;
  if (answer.status !== 200 || d === undefined) {
    setText('sla-summary', refuse('sla', answer.status, answer.body));
    return;
  }
  const c = d.compliance;
  slaStatus(c.met === null ? 'no data' : c.met ? 'met' : 'missed', c.met === null ? 'muted' : c.met ? 'ok' : 'bad');
  setText('sla-summary', `${d.name}: ${c.percent === null ? 'no samples' : `${num(c.percent)}% under ${c.under} ms`} (target ${c.target}%) over ${d.totalMessages} entries`);
  fillTable('sla-bands', Object.entries(d.distribution ?? {}).map(([band, n]) => [band, n]), 'no entries');
  fillTable('sla-phases', Object.entries(d.phaseBreakdown ?? {}).map(([phase, ms]) => [phase, num(ms, 0)]), 'no phases');
}
