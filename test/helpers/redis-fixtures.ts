import type { Rollup } from '../../src/storage/contract.js';

/** A real slot histogram (compressed V2 base64, 200 values in µs between 2 ms and 1.6 s). */
export const HDR = 'HISTFAAAAJZ4nH2MwQqCQBRFn0dkGEREZJCwEBcSIi1aRKv+rkV7P7UPMHg6Okg1h3vufZs5PsdSJHqJSCQiyPwidTNN/n5bDBmOlp4bDwbOXLhyp6ehpaOjZ8BRUXGgpuZEQ02uFBSUCw5HSYolDcgCcrUhwShz2+WyGu+NWElWb/H+hgk6RjShwxXvlvfW/9GvfmqtYOzOD6Y+DZY=';

/** A histogram rollup of series `series` (label `route`) for the 1-minute slot `slot` after `base`. */
export function histogramRollup(name: string, base: number, slot: number, series: number, slotLength = 60_000): Rollup {
  const start = base + slot * slotLength;
  return {
    name,
    kind: 'histogram',
    labels: { route: `/api/r${series}`, method: 'GET', status: '200' },
    start,
    end: start + slotLength,
    count: 120 + slot,
    sum: 14.25 + slot / 1000,
    min: 0.002,
    max: 1.75,
    hdr: HDR,
    resolution: 1e-6,
    service: 'api',
  };
}
