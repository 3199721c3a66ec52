import { grade } from '../health/checks/grade.js';
import type { SystemThresholds } from './options.js';
import type { SystemReadings } from './readings.js';

/** Seed 002's system status. */
export type SystemStatus = 'healthy' | 'warning' | 'critical';

/** A vital past one of its thresholds. */
export interface SystemIssue {
  vital: 'cpu' | 'memory' | 'disk' | 'eventLoopLag';
  level: 'warning' | 'critical';
  value: number;
  threshold: number;
  /** E.g. `'CPU usage 97.0% > 95%'`. */
  message: string;
}

const LABELS: Record<SystemIssue['vital'], { name: string; unit: string }> = {
  cpu: { name: 'CPU usage', unit: '%' },
  memory: { name: 'Memory usage', unit: '%' },
  disk: { name: 'Disk usage', unit: '%' },
  eventLoopLag: { name: 'Event-loop lag p99', unit: ' ms' },
};

/**
 * Grades readings against thresholds: a vital strictly past `critical` is critical, past
 * `warning` a warning (seed 002: "CPU > 80 % high, > 95 % critical"). The status is the worst
 * issue; a missing reading (no disk, no lag samples yet) raises none.
 */
export function systemStatus(readings: SystemReadings, thresholds: SystemThresholds): { status: SystemStatus; issues: SystemIssue[] } {
  const issues: SystemIssue[] = [];
  const judge = (vital: SystemIssue['vital'], value: number | undefined): void => {
    if (value === undefined || !Number.isFinite(value)) return;
    const t = thresholds[vital];
    const { grade: g, threshold } = grade(value, { warn: t.warning, fail: t.critical });
    if (g === 'pass' || threshold === undefined) return;
    const level = g === 'fail' ? 'critical' : 'warning';
    const { name, unit } = LABELS[vital];
    issues.push({ vital, level, value, threshold, message: `${name} ${value.toFixed(1)}${unit} > ${threshold}${unit}` });
  };
  judge('cpu', readings.cpu.percent);
  judge('memory', readings.memory.percent);
  judge('disk', readings.disk?.percent);
  judge('eventLoopLag', readings.eventLoop.lagP99);
  const status: SystemStatus = issues.some((i) => i.level === 'critical') ? 'critical' : issues.length > 0 ? 'warning' : 'healthy';
  return { status, issues };
}
