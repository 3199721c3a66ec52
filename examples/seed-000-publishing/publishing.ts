// The publishing side of seed 000: one circuit breaker per external platform, and the five job
// types of its "Job Configurations" table defined on monitor.jobs with the seed's concurrency,
// priority and retries. The handlers do simulated work on the monitor's clock.
import type { Monitor } from 'pulsewatch';
import type { ManualClock } from 'pulsewatch/testing';
import { BREAKER, JOB_TYPES, type JobTypeName, OUTAGE, PLATFORMS, type Platform, TIMINGS } from './config.js';
import { logNormal, work } from '../shared/sim.js';

/** What the handlers saw, for the report: peak attempts at once per type, start order, attempt times. */
export interface JobLog {
  active: Record<string, number>;
  peak: Record<string, number>;
  /** Posts of the opening burst of content-generation in the order they started. */
  burstStarts: string[];
  /** Simulated [start, end] of every attempt of each export, by export id: the gaps are the retries' backoff. */
  exportAttempts: Record<string, [number, number][]>;
  /** Content-generation runs per post id (idempotency keys: each post runs once). */
  postRuns: Record<string, number>;
}

/** Seed 000's circuit breakers, one per platform, each opening after 5 failures for 60 s. */
export function platformBreakers(monitor: Monitor, clock: ManualClock, random: () => number, startedAt: number) {
  const minute = (): number => (clock.now() - startedAt) / 60_000;
  const down = (p: Platform): boolean => p === OUTAGE.platform && minute() >= OUTAGE.from && minute() < OUTAGE.to;
  const make = (platform: Platform) =>
    monitor.circuitBreaker(
      `platform-${platform}`,
      (item: string) =>
        work(clock, logNormal(random, 800, 0.15), () => {
          if (down(platform)) throw new Error(`${platform} API answered 503`);
          if (random() < 0.02) throw new Error(`${platform} API reset the connection`);
          return { url: `https://${platform}.example.com/p/${item}` };
        }),
      { ...BREAKER },
    );
  const breakers = { wordpress: make('wordpress'), medium: make('medium'), ghost: make('ghost') };
  return { publish: (platform: Platform, item: string) => breakers[platform].fire(item) };
}

type Publish = ReturnType<typeof platformBreakers>['publish'];

/** Defines seed 000's five job types (jobs.define with the table's numbers) and returns them with the handlers' log. */
export function defineJobs(monitor: Monitor, clock: ManualClock, random: () => number, publish: Publish, startedAt: number) {
  const log: JobLog = { active: {}, peak: {}, burstStarts: [], exportAttempts: {}, postRuns: {} };
  const minute = (): number => (clock.now() - startedAt) / 60_000;
  // Counts the attempts of a type running at once: the peak must equal the type's concurrency.
  const tracked =
    <P, R>(type: JobTypeName, fn: (payload: P, attempt: number) => Promise<R>) =>
    async (payload: P, ctx: { attempt: number }): Promise<R> => {
      log.active[type] = (log.active[type] ?? 0) + 1;
      log.peak[type] = Math.max(log.peak[type] ?? 0, log.active[type]!);
      try {
        return await fn(payload, ctx.attempt);
      } finally {
        log.active[type]!--;
      }
    };
  const options = (type: JobTypeName) => ({ ...JOB_TYPES[type] });

  const content = monitor.jobs.define(
    'content-generation',
    tracked('content-generation', async (p: { postId: string; burst?: boolean }) => {
      if (p.burst) log.burstStarts.push(p.postId);
      log.postRuns[p.postId] = (log.postRuns[p.postId] ?? 0) + 1;
      const slower = minute() >= TIMINGS.regressionFrom ? TIMINGS.regressionFactor : 1;
      return work(clock, logNormal(random, TIMINGS.contentMedianMs * slower, 0.35), () => ({ postId: p.postId, words: 800 }));
    }),
    { ...options('content-generation'), idempotencyKey: (p: { postId: string }) => `post:${p.postId}` },
  );
  const project = monitor.jobs.define(
    'project-scheduled-publish',
    tracked('project-scheduled-publish', async (p: { projectId: string }) => Promise.all(PLATFORMS.map((platform) => publish(platform, p.projectId)))),
    options('project-scheduled-publish'),
  );
  const item = monitor.jobs.define(
    'item-scheduled-publish',
    tracked('item-scheduled-publish', async (p: { itemId: string; platform: Platform }) => publish(p.platform, p.itemId)),
    { ...options('item-scheduled-publish'), idempotencyKey: (p: { itemId: string; platform: Platform }) => `item:${p.itemId}:${p.platform}` },
  );
  const report = monitor.jobs.define(
    'generate-report',
    tracked('generate-report', async (p: { reportId: string }) => work(clock, logNormal(random, TIMINGS.reportMedianMs, 0.1), () => ({ reportId: p.reportId, rows: 1200 }))),
    options('generate-report'),
  );
  const exportData = monitor.jobs.define(
    'export-data',
    tracked('export-data', async (p: { exportId: string }) => {
      const attempt: [number, number] = [clock.now(), 0];
      (log.exportAttempts[p.exportId] ??= []).push(attempt);
      return work(clock, logNormal(random, 8_000, 0.15), () => {
        attempt[1] = clock.now();
        if (random() < TIMINGS.exportFailure) throw new Error('export target refused the upload (503)');
        return { exportId: p.exportId, bytes: 52_000 };
      });
    }),
    options('export-data'),
  );
  return { log, content, project, item, report, exportData };
}

export type PublishingJobs = ReturnType<typeof defineJobs>;
