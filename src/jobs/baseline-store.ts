import type { CapabilityContext } from '../capability.js';
import { StorageError } from '../core/errors.js';
import { JOB_METRICS } from '../metrics/built-in-names.js';
import type { StoredRule } from '../storage/records.js';
import type { JobBaseline } from './type-stats.js';

/** Types whose baselines are kept at most (as `maxTypes` bounds what one process learns). */
const MAX_STORED = 10_000;

/** Id of the stored record that carries a service's job baselines. */
export function baselineRecordId(service: string): string {
  return `pulsewatch-job-baselines:${service}`.slice(0, 200);
}

/**
 * Job baselines live in the store's alert records role, as learned rule baselines do (see
 * alerts/learned-baselines.ts): in one record that is a valid, disabled regression rule on the
 * job run time, with the baselines under `jobBaselines`. Every instance reads the rules, so a
 * restarted instance compares with what the fleet learned instead of learning again from runs
 * that may already be regressed. The rule engine lists it like any rule and never evaluates it
 * (it is disabled); enabling it turns on the engine's own regression alert on `job_run_duration_seconds`.
 */
export class BaselineStore {
  constructor(private readonly ctx: CapabilityContext) {}

  /** The stored baselines by type; an empty map when there are none or the store fails (reported). */
  async load(): Promise<Map<string, JobBaseline>> {
    const record = await this.read('restoring job baselines');
    return record === undefined || record === null ? new Map() : parse(record);
  }

  /** Adds `learned` to the stored baselines (a type learned elsewhere first keeps its baseline). Never rejects. */
  async save(learned: readonly JobBaseline[]): Promise<void> {
    if (learned.length === 0) return;
    const existing = await this.read('saving job baselines');
    if (existing === null) return;
    const merged = existing === undefined ? new Map<string, JobBaseline>() : parse(existing);
    for (const b of learned) if (!merged.has(b.jobType) && merged.size < MAX_STORED) merged.set(b.jobType, b);
    const now = this.ctx.clock.now();
    const record: StoredRule = {
      ...(existing ?? carrier(this.ctx.service, now)),
      jobBaselines: Object.fromEntries(merged),
    };
    try {
      await this.ctx.storage.saveRule(record);
    } catch (cause) {
      this.ctx.report(new StorageError(`saving job baselines to "${this.ctx.storage.name}" storage failed`, { cause }));
    }
  }

  /** The carrier record; undefined when absent, null when the store failed (reported). */
  private async read(why: string): Promise<StoredRule | undefined | null> {
    let rules: unknown;
    try {
      rules = await this.ctx.storage.listRules();
    } catch (cause) {
      this.ctx.report(new StorageError(`${why}: reading rules from "${this.ctx.storage.name}" storage failed`, { cause }));
      return null;
    }
    const id = baselineRecordId(this.ctx.service);
    if (!Array.isArray(rules)) return undefined;
    return (rules as unknown[]).find((r): r is StoredRule => typeof r === 'object' && r !== null && (r as StoredRule).id === id);
  }
}

function carrier(service: string, now: number): StoredRule {
  return {
    id: baselineRecordId(service),
    name: 'Job run time regression (baselines kept by monitor.jobs)',
    metric: JOB_METRICS.runTime,
    labels: { outcome: 'success' },
    aggregation: { type: 'regression', of: 'avg', minCount: 10 },
    groupBy: ['type'],
    window: 3_600_000,
    condition: 'greater_than',
    threshold: 10,
    severity: 'warning',
    type: 'PERFORMANCE_DEGRADATION',
    enabled: false,
    createdAt: now,
    updatedAt: now,
  };
}

function parse(record: StoredRule): Map<string, JobBaseline> {
  const out = new Map<string, JobBaseline>();
  const raw = record['jobBaselines'];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
  for (const [type, b] of Object.entries(raw as Record<string, unknown>)) {
    if (out.size >= MAX_STORED) break;
    const v = b as Partial<JobBaseline> | null;
    if (typeof v !== 'object' || v === null) continue;
    const { mean, p95, sampleSize, createdAt } = v;
    if (![mean, p95, sampleSize, createdAt].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)) continue;
    out.set(type, { jobType: type, mean: mean!, p95: p95!, sampleSize: sampleSize!, createdAt: createdAt! });
  }
  return out;
}
