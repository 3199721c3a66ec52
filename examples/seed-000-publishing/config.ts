// Seed 000's numbers, in one place (seed 000 = the Full Self Publishing platform's "Performance &
// Monitoring System" write-up). Every other file of the example reads them from here.

/** Seed 000's "Job Configurations" table, exactly: concurrency, priority and retries per job type. */
export const JOB_TYPES = {
  'content-generation': { concurrency: 5, priority: 'MEDIUM', retries: 3 },
  'project-scheduled-publish': { concurrency: 10, priority: 'HIGH', retries: 0 },
  'item-scheduled-publish': { concurrency: 5, priority: 'HIGH', retries: 3 },
  'generate-report': { concurrency: 5, priority: 'MEDIUM', retries: 3 },
  'export-data': { concurrency: 3, priority: 'LOW', retries: 3 },
} as const;

export type JobTypeName = keyof typeof JOB_TYPES;

/** Seed 000's circuit breaker: "Failure threshold: 5 failures", "Timeout: 60 seconds", automatic recovery. */
export const BREAKER = { failureThreshold: 5, resetTimeout: '60s' } as const;

/** The external publishing platforms; each gets its own breaker (seed 000: "Circuit breaker pattern for external API calls"). */
export const PLATFORMS = ['wordpress', 'medium', 'ghost'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** The platform that goes down during the run, and when (simulated minutes from the start). */
export const OUTAGE = { platform: 'medium' as Platform, from: 15, to: 30 };

/** Seed 000's "Alert Thresholds" for the health checks. */
export const HEALTH = {
  database: { responseTime: '500ms' },
  jobs: { failureRate: 50, stuckJobs: 10, deadLetterQueue: 100 },
  platforms: { failureRate: 30 },
} as const;

/** Seed 000's cooldowns: CRITICAL 5-15 min, ERROR 15-30 min, WARNING 30-60 min (the lower bounds). */
export const COOLDOWNS = { critical: '5m', error: '15m', warning: '30m', info: '1h' } as const;

/** Seed 000's job timings: content generation averages 25 s with a 45 s p95 (its /api/metrics example). */
export const TIMINGS = {
  contentMedianMs: 25_000,
  /** Content-generation's burst (twice its concurrency at once, HIGH posts last), once its baseline is learned. */
  contentBurstAt: 10,
  /** From this minute content generation gets 40 % slower: a regression against the learned baseline. */
  regressionFrom: 45,
  regressionFactor: 1.4,
  /** Reports run about 90 s: over seed 000's 60 s "slow" bottleneck (medium), under its 120 s (high). */
  reportMedianMs: 90_000,
  /** An export attempt fails this often: out of 3 retries about half the exports end in the dead letters. */
  exportFailure: 0.85,
};

/** How long the synthetic load runs, in simulated minutes (SEED000_MINUTES shortens it in tests). */
export const RUN_MINUTES = Number(process.env['SEED000_MINUTES'] ?? 75);
