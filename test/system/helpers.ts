import type { SystemReadings } from '../../src/system/readings.js';

/** Readings of a calm machine, with `patch` applied to its sections. */
export function readings(patch: { cpu?: number; memory?: number; disk?: number | null; lagP99?: number } = {}): SystemReadings {
  const mb = 1024 * 1024;
  return {
    cpu: { percent: patch.cpu ?? 10, process: 5, cores: 2 },
    memory: { percent: patch.memory ?? 40, constrained: false, total: 1000 * mb, available: 600 * mb, rss: 80 * mb, heapUsed: 30 * mb, heapTotal: 40 * mb, heapLimit: 2000 * mb, external: mb },
    eventLoop: { lagP50: 1, lagP99: patch.lagP99 ?? 5, lagMax: 9, lagMean: 1.5, utilization: 0.2 },
    loadAverage: [0.5, 0.4, 0.3],
    disk: patch.disk === null ? null : { path: '/data', percent: patch.disk ?? 50, total: 100 * mb, free: 50 * mb, available: 50 * mb },
  };
}
