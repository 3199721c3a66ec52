/** Seed 000's bottleneck entry. */
export interface Bottleneck {
  jobType: string;
  reason: 'slow' | 'failures';
  severity: 'medium' | 'high';
  /** Mean run time in ms (`slow`) or failure rate in percent (`failures`). */
  value: number;
}

/** Thresholds of {@link bottlenecksOf} (defaults: seed 000's). */
export interface BottleneckThresholds {
  slowMedium: number;
  slowHigh: number;
  failureMedium: number;
  failureHigh: number;
}

/** One type's recent attempts, as {@link bottlenecksOf} reads them. */
export interface RecentRuns {
  type: string;
  attempts: number;
  meanMs: number;
  failureRate: number;
}

/**
 * Seed 000's bottlenecks: a mean run time over 60 s is medium, over 120 s high; a failure rate
 * over 25 % medium, over 50 % high. A type may be listed twice (slow and failing); high first.
 */
export function bottlenecksOf(types: readonly RecentRuns[], t: BottleneckThresholds): Bottleneck[] {
  const out: Bottleneck[] = [];
  const round = (v: number): number => Math.round(v * 100) / 100;
  for (const r of types) {
    if (r.attempts === 0) continue;
    if (r.meanMs > t.slowHigh) out.push({ jobType: r.type, reason: 'slow', severity: 'high', value: round(r.meanMs) });
    else if (r.meanMs > t.slowMedium) out.push({ jobType: r.type, reason: 'slow', severity: 'medium', value: round(r.meanMs) });
    if (r.failureRate > t.failureHigh) out.push({ jobType: r.type, reason: 'failures', severity: 'high', value: round(r.failureRate) });
    else if (r.failureRate > t.failureMedium) out.push({ jobType: r.type, reason: 'failures', severity: 'medium', value: round(r.failureRate) });
  }
  // Stable: within a severity, the order types were defined in.
  return out.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'high' ? -1 : 1));
}
