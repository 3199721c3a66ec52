import { z } from 'zod';
import type { HealthStatus } from '../types.js';

/** Seed 003's verdict on a value against its thresholds. */
export type Grade = 'pass' | 'warn' | 'fail';

/** Which side of a threshold is bad: `'above'` (latency, error rate) or `'below'` (throughput, free space). */
export type ThresholdDirection = 'above' | 'below';

/** Warn and fail thresholds; at least one is set. */
export interface Thresholds {
  warn?: number | undefined;
  fail?: number | undefined;
  direction?: ThresholdDirection | undefined;
}

/** Health status of each grade: a warning degrades, a failure makes the check unhealthy. */
export const GRADE_STATUS: Readonly<Record<Grade, HealthStatus>> = Object.freeze({ pass: 'healthy', warn: 'degraded', fail: 'unhealthy' });

/**
 * Grades `value`: past `fail` fails, past `warn` warns, otherwise passes. "Past" is strict
 * (seed 002: CPU > 80 %), above or below by `direction`. `threshold` is the one crossed, or the
 * nearest one when passing (seed 003 shows it next to the value).
 */
export function grade(value: number, t: Thresholds): { grade: Grade; threshold: number | undefined } {
  const past = (limit: number | undefined): boolean => limit !== undefined && (t.direction === 'below' ? value < limit : value > limit);
  if (past(t.fail)) return { grade: 'fail', threshold: t.fail };
  if (past(t.warn)) return { grade: 'warn', threshold: t.warn };
  return { grade: 'pass', threshold: t.warn ?? t.fail };
}

/** zod fields for `warn`, `fail` and `direction`, checked to be in order. */
export const thresholdShape = {
  /** Past this the check is `degraded` (seed 003's `warn`). */
  warn: z.number().finite().optional(),
  /** Past this the check is `unhealthy` (seed 003's `fail`). */
  fail: z.number().finite().optional(),
  /** `'above'` (default): higher is worse; `'below'`: lower is worse. */
  direction: z.enum(['above', 'below']).default('above'),
};

/** Refinement for schemas built on {@link thresholdShape}: at least one threshold, and `warn` before `fail`. */
export function checkThresholds(o: { warn?: number | undefined; fail?: number | undefined; direction: ThresholdDirection }, ctx: z.RefinementCtx): void {
  if (o.warn === undefined && o.fail === undefined) {
    ctx.addIssue({ code: 'custom', path: ['warn'], message: 'set warn, fail or both' });
  } else if (o.warn !== undefined && o.fail !== undefined && (o.direction === 'above' ? o.warn > o.fail : o.warn < o.fail)) {
    ctx.addIssue({ code: 'custom', path: ['fail'], message: `must be ${o.direction === 'above' ? 'at or above' : 'at or below'} warn (${o.warn}) for direction "${o.direction}"` });
  }
}

/** A number for a message: integers as they are, others with two decimals (seed 003: "1.20%"). */
export function formatValue(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
