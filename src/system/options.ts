import { z } from 'zod';
import { positiveDurationSchema } from '../core/duration.js';
import type { SystemReadings } from './readings.js';

/**
 * Default thresholds of the system vitals, in one place. CPU and memory are seed 002's
 * ("CPU > 80 % high, > 95 % critical; memory > 85 % high, > 95 % critical"). Disk reuses the
 * memory pair (the seeds give none). Event-loop lag (p99, ms) warns at 100 ms, when it eats half
 * of seed 000's 200 ms response-time budget, and is critical at 1 s, where a probe with the
 * default 1 s timeout already fails.
 */
export const SYSTEM_THRESHOLDS = Object.freeze({
  cpu: Object.freeze({ warning: 80, critical: 95 }),
  memory: Object.freeze({ warning: 85, critical: 95 }),
  disk: Object.freeze({ warning: 85, critical: 95 }),
  eventLoopLag: Object.freeze({ warning: 100, critical: 1_000 }),
});

const pair = (defaults: { warning: number; critical: number }, max = Infinity) =>
  z
    .strictObject({
      /** Past this (strictly) the vital is a warning. */
      warning: z.number().min(0).max(max).default(defaults.warning),
      /** Past this (strictly) the vital is critical. */
      critical: z.number().min(0).max(max).default(defaults.critical),
    })
    .prefault({})
    .refine((p) => p.warning <= p.critical, { message: 'warning must not be above critical' });

/** Thresholds of the system status: percentages for cpu, memory and disk, ms for event-loop lag. */
export const systemThresholdsSchema = z
  .strictObject({
    cpu: pair(SYSTEM_THRESHOLDS.cpu, 100),
    memory: pair(SYSTEM_THRESHOLDS.memory, 100),
    disk: pair(SYSTEM_THRESHOLDS.disk, 100),
    eventLoopLag: pair(SYSTEM_THRESHOLDS.eventLoopLag),
  })
  .prefault({});

/** Thresholds as callers pass them (each field optional). */
export type SystemThresholdsInput = z.input<typeof systemThresholdsSchema>;
/** Thresholds with defaults applied. */
export type SystemThresholds = z.output<typeof systemThresholdsSchema>;

/** Options of `systemMonitor(monitor, options)`. */
export const systemMonitorOptionsSchema = z.strictObject({
  /** How often vitals are sampled and the gauges set (default 60 s: seed 002's `startMonitoring(60000)`). */
  interval: positiveDurationSchema.default(60_000),
  /** Path whose file system's usage is reported (default `'.'`, the working directory, as Spring's disk check). */
  path: z.string().min(1).default('.'),
  /** Sampling resolution of the event-loop delay histogram, in ms (Node's default: 10). */
  eventLoopResolution: z.number().int().min(1).max(1_000).default(10),
  thresholds: systemThresholdsSchema,
  /**
   * Replaces the real readings (tests, or vitals from elsewhere). Called once per sample;
   * the status, gauges and snapshot are built from what it returns.
   */
  read: z.custom<() => SystemReadings | Promise<SystemReadings>>((v) => v === undefined || typeof v === 'function', 'read must be a function').optional(),
});

/** Options of `systemMonitor` as callers pass them. */
export type SystemMonitorOptions = z.input<typeof systemMonitorOptionsSchema>;
/** Options of `systemMonitor` with defaults applied. */
export type ResolvedSystemMonitorOptions = z.output<typeof systemMonitorOptionsSchema>;
