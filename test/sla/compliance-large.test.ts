/**
 * `compliance.met` over very large counts: one entry over the objective in 200,000,000 misses a
 * 100 % objective (share 99.9999995 %). Rounding the share to 6 decimals for float noise made it
 * 100 and `met: true`.
 */
import { describe, expect, it } from 'vitest';
import { complianceOf, type LatencySet } from '../../src/sla/distribution.js';

/** A set of `count` latencies, `under` of them at or under any bound. */
function set(count: number, under: number): LatencySet {
  return { count, mean: 1, min: 1, max: 2, p50: 1, p95: 1, p99: 1, atOrBelow: () => under };
}

describe('complianceOf', () => {
  it('misses 100 % with one entry over in 200,000,000', () => {
    expect(complianceOf(set(200_000_000, 199_999_999), 5_000, 100)).toEqual({ under: 5_000, target: 100, compliant: 199_999_999, percent: 100, met: false });
  });

  it('meets a target exactly at it, whatever float noise the share has', () => {
    // 0.1 * 3 is 0.30000000000000004 in floating point; shares of such counts sit at the target.
    expect(complianceOf(set(2_000, 1_999), 5_000, 99.95).met).toBe(true);
    expect(complianceOf(set(20, 19), 5_000, 95).met).toBe(true);
    expect(complianceOf(set(1_000, 999), 5_000, 99.9).met).toBe(true);
    expect(complianceOf(set(3, 1), 5_000, 33.333333333333336).met).toBe(true);
    expect(complianceOf(set(25_000, 23_749), 5_000, 95)).toMatchObject({ percent: 95, met: false });
  });

  it('has no percent and no verdict without samples', () => {
    expect(complianceOf(set(0, 0), 5_000, 95)).toEqual({ under: 5_000, target: 95, compliant: 0, percent: null, met: null });
  });
});
