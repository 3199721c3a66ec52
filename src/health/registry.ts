import type { CapabilityContext } from '../capability.js';
import { ConfigError, NotFoundError, ValidationError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import { HealthMetrics } from './metrics.js';
import {
  healthCheckOptionsSchema,
  healthQuerySchema,
  oneCheckQuerySchema,
  WELL_KNOWN_GROUPS,
  type HealthCheckOptions,
  type HealthQuery,
  type OneCheckQuery,
  type ResolvedHealthCheckOptions,
} from './options.js';
import { runCheck, type CheckRun } from './run-checks.js';
import { countStatuses, overallStatus } from './status.js';
import type { CheckReport, HealthCheck, HealthReport, HealthStatus, NamedCheckReport } from './types.js';

/** `health.check`: runs the checks; `health.check.one(name)` runs one. */
export interface HealthCheckRunner {
  /** Runs every check (or a group's), in parallel, each under its own timeout. Never rejects on a failing check. */
  (query?: HealthQuery): Promise<HealthReport>;
  /** Runs one check by name (seed 000's `/api/health/<name>`); throws {@link NotFoundError} for an unknown name. */
  one(name: string, query?: OneCheckQuery): Promise<NamedCheckReport>;
}

/** A registered check as {@link HealthRegistry.list} shows it. */
export interface RegisteredCheck extends ResolvedHealthCheckOptions {
  name: string;
}

interface Entry {
  readonly name: string;
  readonly check: HealthCheck;
  readonly options: ResolvedHealthCheckOptions;
  last?: CheckRun | undefined;
  /** The run in progress: concurrent callers share it instead of probing the dependency twice. */
  running?: Promise<CheckRun> | undefined;
}

/**
 * The health checks of one monitor (`monitor.health`). Checks run in parallel, each under its
 * own timeout, so an answer never waits longer than the largest timeout. A failing critical
 * check makes the whole `unhealthy`, a failing non-critical one `degraded`; a passing check
 * slower than its `degradedAfter` is `degraded`. Results can be served from cache (`quick`) and
 * grouped into liveness, readiness and startup views.
 */
export class HealthRegistry {
  /** Runs the checks: `await health.check({ quick, group })`; `await health.check.one(name)` runs one. */
  readonly check: HealthCheckRunner;

  private readonly entries = new Map<string, Entry>();
  /** Monotonic time the registry was made: the uptime is a duration, immune to wall-clock steps. */
  private readonly startedAt: number;
  private readonly metrics: HealthMetrics;
  /** Last status of the whole (key `''`) and of each group (key = group name), for `healthChanged`. */
  private readonly lastStatus = new Map<string, HealthStatus>();
  /** Every group a check was ever registered in: asking for one stays valid after its checks go. */
  private readonly groupsSeen = new Set<string>(WELL_KNOWN_GROUPS);
  /** The whole's status has been known once (`health_status` has a sample from then on). */
  private overallKnown = false;

  constructor(private readonly ctx: CapabilityContext) {
    this.startedAt = ctx.clock.monotonic();
    this.metrics = new HealthMetrics(ctx);
    this.check = Object.assign((query?: HealthQuery) => this.run(query), { one: (name: string, query?: OneCheckQuery) => this.checkOne(name, query) });
  }

  /**
   * Registers a check under `name`. Options (durations as ms or `'2s'`): `critical` (default
   * true), `timeout` (2 s), `degradedAfter` (off), `groups` (none), `cacheTtl` (10 s).
   * Returns a function that unregisters it. Throws {@link ConfigError} on a bad option or a
   * name already taken.
   */
  register(name: string, check: HealthCheck, options: HealthCheckOptions = {}): () => void {
    if (typeof name !== 'string' || name.trim() === '') throw new ConfigError(`health.register: name must be a non-empty string, got ${typeof name === 'string' ? JSON.stringify(name) : `a value of type ${typeof name}`}`);
    if (typeof check !== 'function') throw new ConfigError(`health.register("${name}"): check must be a function, got ${check === null ? 'null' : typeof check}`);
    if (this.entries.has(name)) throw new ConfigError(`health.register("${name}"): a check with this name is already registered; unregister it first`);
    const resolved = parseOptions(healthCheckOptionsSchema, options, `health.register("${name}") options`);
    const entry: Entry = { name, check, options: resolved };
    this.entries.set(name, entry);
    for (const group of resolved.groups) this.groupsSeen.add(group);
    this.metrics.define();
    return () => {
      if (this.entries.get(name) === entry) this.unregister(name);
    };
  }

  /** Removes a check; returns false if none was registered under `name`. */
  unregister(name: string): boolean {
    if (!this.entries.delete(name)) return false;
    this.metrics.forget(name);
    // The whole no longer includes it. (Before the status was ever known, nothing to update.)
    if (this.overallKnown) this.updateOverall();
    return true;
  }

  /** True if a check is registered under `name`. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** The registered checks with their resolved options (durations in ms), in registration order. */
  list(): RegisteredCheck[] {
    return [...this.entries.values()].map((e) => ({ name: e.name, ...e.options }));
  }

  /** Same as `health.check.one(name, query)`. */
  async checkOne(name: string, query: OneCheckQuery = {}): Promise<NamedCheckReport> {
    const { quick } = parseOptions(oneCheckQuerySchema, query, 'health.check.one options');
    const entry = this.entries.get(name);
    if (entry === undefined) throw new NotFoundError('health check', name);
    const cached = quick ? this.fresh(entry) : undefined;
    const run = cached ?? (await this.start(entry));
    return { name, ...this.report(entry, run, cached !== undefined) };
  }

  private async run(query: HealthQuery = {}): Promise<HealthReport> {
    const { quick, group } = parseOptions(healthQuerySchema, query, 'health.check options');
    const selected = [...this.entries.values()].filter((e) => group === undefined || e.options.groups.includes(group));
    // A typo such as 'readyness' must not answer healthy forever.
    if (group !== undefined && !this.groupsSeen.has(group)) throw new NotFoundError('health group', group);
    const runs = await Promise.all(
      selected.map(async (entry) => {
        const cached = quick ? this.fresh(entry) : undefined;
        return { entry, run: cached ?? (await this.start(entry)), cached: cached !== undefined };
      }),
    );
    // fromEntries defines own properties, so even a check named "__proto__" is just a key.
    const checks: Record<string, CheckReport> = Object.fromEntries(runs.map(({ entry, run, cached }) => [entry.name, this.report(entry, run, cached)]));
    const reports = Object.values(checks);
    const status = overallStatus(reports);
    if (group === undefined) {
      this.overallKnown = true;
      this.metrics.recordOverall(status);
    }
    this.changed(group ?? '', status);
    const now = this.ctx.clock.now();
    const uptime = this.ctx.clock.monotonic() - this.startedAt;
    const answer: HealthReport = { status, timestamp: new Date(now).toISOString(), uptime, checks, overall: countStatuses(reports) };
    if (group !== undefined) answer.group = group;
    return answer;
  }

  /** The cached run of `entry` if it is younger than its `cacheTtl` (on the monotonic clock: a wall clock set back must not keep a stale status). */
  private fresh(entry: Entry): CheckRun | undefined {
    const last = entry.last;
    if (last === undefined || entry.options.cacheTtl === 0) return undefined;
    return this.ctx.clock.monotonic() - last.endedAt < entry.options.cacheTtl ? last : undefined;
  }

  /** Runs `entry`, or joins its run in progress. */
  private start(entry: Entry): Promise<CheckRun> {
    if (entry.running !== undefined) return entry.running;
    const running = runCheck(entry.name, entry.check, entry.options, this.ctx.clock).then((run) => {
      entry.running = undefined;
      this.finished(entry, run);
      return run;
    });
    entry.running = running;
    return running;
  }

  private finished(entry: Entry, run: CheckRun): void {
    const previous = entry.last?.status;
    entry.last = run;
    // A check unregistered while it ran still answers this call, but leaves no trace behind.
    if (this.entries.get(entry.name) !== entry) return;
    if (run.invalid !== undefined) this.ctx.report(new ValidationError(`health check "${entry.name}": ${run.invalid}`, [{ path: entry.name, message: run.invalid }]));
    this.metrics.recordRun(entry.name, run.status, run.duration);
    // Every run, whoever asked (a group, check.one), updates the whole: probes that only ask for
    // readiness and liveness still keep health_status current.
    this.updateOverall();
    if (run.status !== previous) {
      this.ctx.emit('healthChanged', { scope: 'check', check: entry.name, status: run.status, previous, message: run.message, at: run.finishedAt });
    }
  }

  private report(entry: Entry, run: CheckRun, cached: boolean): CheckReport {
    const report: CheckReport = {
      status: run.status,
      responseTime: Math.round(run.duration),
      critical: entry.options.critical,
      cached,
      timestamp: new Date(run.finishedAt).toISOString(),
    };
    if (run.message !== undefined) report.message = run.message;
    if (run.details !== undefined) report.details = run.details;
    return report;
  }

  /**
   * Sets `health_status` from the latest result of every registered check, graded as a full
   * `check()` grades them. Until the whole has been known once, a check without a result makes
   * it unknown (no sample); after that, such a check (registered later) counts from its first
   * result, since a gauge cannot go back to having no sample.
   */
  private updateOverall(): void {
    const latest: { status: HealthStatus; critical: boolean }[] = [];
    for (const entry of this.entries.values()) {
      if (entry.last !== undefined) latest.push({ status: entry.last.status, critical: entry.options.critical });
      else if (!this.overallKnown) return;
    }
    this.overallKnown = true;
    this.metrics.recordOverall(overallStatus(latest));
  }

  /** Emits `healthChanged` for the whole (`key` `''`) or a group when its status moved. */
  private changed(key: string, status: HealthStatus): void {
    const previous = this.lastStatus.get(key);
    if (previous === status) return;
    this.lastStatus.set(key, status);
    const at = this.ctx.clock.now();
    if (key === '') this.ctx.emit('healthChanged', { scope: 'overall', status, previous, at });
    else this.ctx.emit('healthChanged', { scope: 'group', group: key, status, previous, at });
  }
}
