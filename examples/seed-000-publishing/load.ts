// The synthetic load, minute by simulated minute: an opening burst that fills every job type's
// workers (twice its concurrency, with HIGH-priority posts queued last), then a steady stream of
// posts, scheduled publishes, reports and exports, with duplicate posts that the idempotency keys
// stop, and seed 000's cron: a health check every 5 minutes.
import type { Monitor } from 'pulsewatch';
import type { ManualClock } from 'pulsewatch/testing';
import { JOB_TYPES, PLATFORMS, TIMINGS } from './config.js';
import type { PublishingJobs } from './publishing.js';

/** What the load sent. */
export interface LoadStats {
  enqueued: Record<string, number>;
  duplicatesSent: number;
  deduplicated: number;
  /** Each cron health check: its status and what the platforms check saw per platform. */
  healthRuns: { minute: number; status: string; platforms: Record<string, { failureRate: number; state: string }> }[];
  /** Dead letters by job type just before and just after the hourly dead-letter run (minute 60). */
  deadLettersAround60: { before: Record<string, number>; after: Record<string, number> };
}

/** Runs `minutes` of load, then `drainMinutes` without new jobs so queues and retries finish. */
export async function runLoad(monitor: Monitor, clock: ManualClock, jobs: PublishingJobs, minutes: number, drainMinutes = 5): Promise<LoadStats> {
  const stats: LoadStats = { enqueued: {}, duplicatesSent: 0, deduplicated: 0, healthRuns: [], deadLettersAround60: { before: {}, after: {} } };
  const sent = (type: string, n = 1) => (stats.enqueued[type] = (stats.enqueued[type] ?? 0) + n);
  const post = async (postId: string, options?: { priority: 'HIGH' }, burst = false) => {
    const handle = await jobs.content.enqueue({ postId, burst }, options);
    if (handle.deduplicated) stats.deduplicated++;
    else sent('content-generation');
  };

  // Minute 0: twice each type's concurrency at once, so every type runs at its limit (content
  // generation's burst comes once its baseline is learned, see below).
  const burst = (n: number) => Array.from({ length: 2 * n }, (_, i) => i + 1);
  for (const i of burst(JOB_TYPES['project-scheduled-publish'].concurrency)) await jobs.project.enqueue({ projectId: `launch-${i}` }), sent('project-scheduled-publish');
  for (const i of burst(JOB_TYPES['item-scheduled-publish'].concurrency)) await jobs.item.enqueue({ itemId: `item-0-${i}`, platform: PLATFORMS[i % 3]! }), sent('item-scheduled-publish');
  for (const i of burst(JOB_TYPES['generate-report'].concurrency)) await jobs.report.enqueue({ reportId: `weekly-${i}` }), sent('generate-report');
  for (const i of burst(JOB_TYPES['export-data'].concurrency)) await jobs.exportData.enqueue({ exportId: `export-0-${i}` }), sent('export-data');

  const byJob = async () => countBy((await monitor.jobs.deadLetters.list({ limit: 1000 })).map((l) => l.job));
  for (let m = 0; m < minutes + drainMinutes; m++) {
    if (m === TIMINGS.contentBurstAt) {
      await Promise.all(burst(JOB_TYPES['content-generation'].concurrency).map((i) => post(`burst-${i}`, undefined, true)));
      // Queued last but HIGH: they start before the MEDIUM posts still waiting (seed 000's priority routing).
      for (let i = 1; i <= 3; i++) await post(`urgent-${i}`, { priority: 'HIGH' }, true);
    }
    if (m === 59) stats.deadLettersAround60.before = await byJob();
    if (m === 61) stats.deadLettersAround60.after = await byJob();
    if (m > 0 && m < minutes) {
      await post(`post-${m}-a`);
      await post(`post-${m}-b`);
      if (m % 5 === 0) {
        stats.duplicatesSent++;
        await post(`post-${m - 1}-a`); // a retried webhook asks for the same post again
      }
      for (let i = 0; i < 3; i++) await jobs.item.enqueue({ itemId: `item-${m}-${i}`, platform: PLATFORMS[(m * 3 + i) % 3]! }), sent('item-scheduled-publish');
      if (m % 2 === 0) await jobs.project.enqueue({ projectId: `project-${m}` }), sent('project-scheduled-publish');
      if (m % 3 === 0) await jobs.report.enqueue({ reportId: `report-${m}` }), sent('generate-report');
      await jobs.exportData.enqueue({ exportId: `export-${m}` }), sent('export-data');
    }
    // Seed 000's "Health Check and Alerting" cron: every 5 minutes.
    if (m % 5 === 0) {
      const health = await monitor.health.check();
      const platforms = (health.checks['platforms']?.details ?? {}) as Record<string, { failureRate: number; state: string }>;
      stats.healthRuns.push({ minute: m, status: health.status, platforms });
    }
    await clock.advanceAsync(60_000);
  }
  return stats;
}

function countBy(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
