import { z } from 'zod';
import { formatValue, grade, GRADE_STATUS } from '../health/checks/grade.js';
import { checks as edgeChecks } from '../health/checks/index.js';
import { parseOptions } from '../core/options.js';
import type { HealthCheck } from '../health/types.js';
import { NodeSystemReader, readDisk, readMemory } from './node-reader.js';
import { SYSTEM_THRESHOLDS } from './options.js';

const percent = (fallback: number) => z.number().min(0).max(100).default(fallback);

/** Options of {@link memoryCheck}. */
export const memoryCheckOptionsSchema = z
  .strictObject({
    /** Percent in use past which the check is `degraded` (seed 002: 85). */
    warn: percent(SYSTEM_THRESHOLDS.memory.warning),
    /** Percent in use past which the check is `unhealthy` (seed 002: 95). */
    fail: percent(SYSTEM_THRESHOLDS.memory.critical),
    /**
     * `'system'` (default): memory in use, of the container limit when there is one;
     * `'heap'`: V8 heap used over its size limit (the out-of-memory crash the process can see coming).
     */
    measure: z.enum(['system', 'heap']).default('system'),
  })
  .refine((o) => o.warn <= o.fail, { path: ['fail'], message: 'must be at or above warn' });

/** Options of {@link eventLoopCheck}. */
export const eventLoopCheckOptionsSchema = z
  .strictObject({
    /** p99 lag in ms past which the check is `degraded` (default 100). */
    warn: z.number().min(0).default(SYSTEM_THRESHOLDS.eventLoopLag.warning),
    /** p99 lag in ms past which the check is `unhealthy` (default 1000). */
    fail: z.number().min(0).default(SYSTEM_THRESHOLDS.eventLoopLag.critical),
    /** Sampling resolution of the delay histogram in ms (Node's default 10). */
    resolution: z.number().int().min(1).max(1_000).default(10),
  })
  .refine((o) => o.warn <= o.fail, { path: ['fail'], message: 'must be at or above warn' });

/** Options of {@link diskCheck}. */
export const diskCheckOptionsSchema = z
  .strictObject({
    /** A path on the file system to watch (default `'.'`, the working directory). */
    path: z.string().min(1).default('.'),
    /** Percent used past which the check is `degraded` (default 85). */
    warn: percent(SYSTEM_THRESHOLDS.disk.warning),
    /** Percent used past which the check is `unhealthy` (default 95). */
    fail: percent(SYSTEM_THRESHOLDS.disk.critical),
  })
  .refine((o) => o.warn <= o.fail, { path: ['fail'], message: 'must be at or above warn' });

/** Options of {@link memoryCheck} as callers pass them. */
export type MemoryCheckOptions = z.input<typeof memoryCheckOptionsSchema>;
/** Options of {@link eventLoopCheck} as callers pass them. */
export type EventLoopCheckOptions = z.input<typeof eventLoopCheckOptionsSchema>;
/** Options of {@link diskCheck} as callers pass them. */
export type DiskCheckOptions = z.input<typeof diskCheckOptionsSchema>;

/**
 * Memory in use against seed 002's thresholds (warn 85 %, fail 95 %). Memory pressure is a
 * readiness concern, not a liveness one: restarting does not free a neighbour's memory.
 *
 * @example monitor.health.register('memory', checks.memory(), { critical: false, groups: ['readiness'] })
 */
export function memoryCheck(options: MemoryCheckOptions = {}): HealthCheck {
  const o = parseOptions(memoryCheckOptionsSchema, options, 'checks.memory options');
  return () => {
    const m = readMemory();
    const value = o.measure === 'heap' ? (m.heapUsed / m.heapLimit) * 100 : m.percent;
    const g = grade(value, o);
    const what = o.measure === 'heap' ? 'Heap usage' : 'Memory usage';
    return {
      status: GRADE_STATUS[g.grade],
      message: `${what}: ${value.toFixed(1)}%`,
      details: { result: g.grade, value, threshold: g.threshold, rss: m.rss, heapUsed: m.heapUsed, heapLimit: m.heapLimit, total: m.total, available: m.available, constrained: m.constrained },
    };
  };
}

/**
 * Event-loop lag (p99 since the previous run) from Node's delay histogram, which starts when the
 * check is created. Healthy until the first samples arrive.
 *
 * @example monitor.health.register('eventLoop', checks.eventLoop(), { groups: ['liveness'] })
 */
export function eventLoopCheck(options: EventLoopCheckOptions = {}): HealthCheck {
  const o = parseOptions(eventLoopCheckOptionsSchema, options, 'checks.eventLoop options');
  // Only the event-loop part of the reader is used; its disk path is never read.
  const reader = new NodeSystemReader('.', o.resolution);
  reader.start();
  return () => {
    const eventLoop = reader.readEventLoop();
    if (!Number.isFinite(eventLoop.lagP99)) return { status: 'healthy', message: 'Event-loop lag: no samples yet' };
    const g = grade(eventLoop.lagP99, o);
    return {
      status: GRADE_STATUS[g.grade],
      message: `Event-loop lag p99: ${formatValue(eventLoop.lagP99)} ms`,
      details: { result: g.grade, value: eventLoop.lagP99, threshold: g.threshold, p50: eventLoop.lagP50, max: eventLoop.lagMax, utilization: eventLoop.utilization },
    };
  };
}

/**
 * Disk usage of the file system holding `path`, as `df` shows it (warn 85 %, fail 95 %).
 *
 * @example monitor.health.register('disk', checks.disk({ path: '/var/data' }), { critical: false })
 */
export function diskCheck(options: DiskCheckOptions = {}): HealthCheck {
  const o = parseOptions(diskCheckOptionsSchema, options, 'checks.disk options');
  return async () => {
    const d = await readDisk(o.path);
    const g = grade(d.percent, o);
    return {
      status: GRADE_STATUS[g.grade],
      message: `Disk usage of ${o.path}: ${d.percent.toFixed(1)}%`,
      details: { result: g.grade, value: d.percent, threshold: g.threshold, total: d.total, available: d.available },
    };
  };
}

/**
 * Every built-in check: the edge-safe ones of `pulsewatch` (`redis`, `postgres`, `http`,
 * `metric`, `activeAlerts`, `breakers`) plus the Node-only `memory`, `eventLoop` and `disk`.
 */
export const checks = Object.freeze({
  ...edgeChecks,
  /** Memory in use (or V8 heap) against seed 002's 85 / 95 %. */
  memory: memoryCheck,
  /** Event-loop lag p99 against 100 ms / 1 s. */
  eventLoop: eventLoopCheck,
  /** Disk usage of a path against 85 / 95 %. */
  disk: diskCheck,
});
