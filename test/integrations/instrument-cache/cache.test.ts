import { describe, expect, it } from 'vitest';
import { createMonitor, type Monitor, type PulsewatchError } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { cacheMetrics, CACHE_METRICS } from '../../../src/integrations/instrument/cache.js';
import { closeAfterEach } from '../../helpers/closing.js';
import { samplesOf, valueOf } from '../instrument-helpers/exposition.js';

const closing = closeAfterEach();

function setup(): { monitor: Monitor; clock: ManualClock; errors: PulsewatchError[] } {
  const clock = new ManualClock();
  const monitor = closing(createMonitor({ service: 'cache-test', clock }));
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  return { monitor, clock, errors };
}

describe('cacheMetrics', () => {
  it('counts hits and misses per cache and exposes the hit ratio', () => {
    const { monitor } = setup();
    const users = cacheMetrics(monitor, 'users');
    const masks = cacheMetrics(monitor, 'masks');
    users.hit();
    users.hit(2);
    users.miss();
    masks.miss(4);
    expect(valueOf(monitor, CACHE_METRICS.hits, { cache: 'users' })).toBe(3);
    expect(valueOf(monitor, CACHE_METRICS.misses, { cache: 'users' })).toBe(1);
    expect(valueOf(monitor, CACHE_METRICS.misses, { cache: 'masks' })).toBe(4);
    expect(users.hitRatio()).toBe(0.75);
    expect(valueOf(monitor, CACHE_METRICS.ratio, { cache: 'users' })).toBe(0.75);
    expect(valueOf(monitor, CACHE_METRICS.ratio, { cache: 'masks' })).toBe(0);
  });

  it('computes the ratio over the last window only (seed 001: alert below 70% for 10 minutes)', () => {
    const { monitor, clock } = setup();
    const cache = cacheMetrics(monitor, 'profiles', { window: '10m' });
    cache.miss(10);
    clock.advance(6 * 60_000);
    cache.hit(10);
    expect(cache.hitRatio()).toBe(0.5);
    clock.advance(5 * 60_000);
    // The misses are more than 10 minutes old now.
    expect(cache.hitRatio()).toBe(1);
    clock.advance(11 * 60_000);
    expect(cache.hitRatio()).toBeUndefined();
    // No lookup in the window: the gauge keeps its last value rather than inventing one.
    expect(valueOf(monitor, CACHE_METRICS.ratio, { cache: 'profiles' })).toBe(1);
    // The counters are totals, whatever the window.
    expect(valueOf(monitor, CACHE_METRICS.misses, { cache: 'profiles' })).toBe(10);
  });

  it('returns the same object for the same name and monitor, and stops counting once disposed', () => {
    const { monitor } = setup();
    const a = cacheMetrics(monitor, 'users');
    expect(cacheMetrics(monitor, 'users')).toBe(a);
    a.hit();
    expect(valueOf(monitor, CACHE_METRICS.ratio, { cache: 'users' })).toBe(1);
    a.dispose();
    // Its ratio series is removed (nobody updates it); the totals stay.
    expect(samplesOf(monitor, CACHE_METRICS.ratio, { cache: 'users' })).toEqual([]);
    a.hit();
    expect(valueOf(monitor, CACHE_METRICS.hits, { cache: 'users' })).toBe(1);
    const b = cacheMetrics(monitor, 'users');
    expect(b).not.toBe(a);
    b.hit();
    expect(valueOf(monitor, CACHE_METRICS.hits, { cache: 'users' })).toBe(2);
  });

  it('drops and reports a count that is not a non-negative integer, never throwing', () => {
    const { monitor, errors } = setup();
    const cache = cacheMetrics(monitor, 'users');
    for (const bad of [-1, 1.5, Number.NaN, '3', Symbol('x'), {}]) expect(() => cache.hit(bad as number)).not.toThrow();
    cache.miss(0);
    expect(errors).toHaveLength(6);
    expect(errors.every((e) => e.code === 'ERR_PULSEWATCH_INTERNAL' && /non-negative integer/.test(String((e.cause as Error).message)))).toBe(true);
    expect(valueOf(monitor, CACHE_METRICS.hits, { cache: 'users' })).toBe(0);
  });

  it('refuses a name that cannot be a label value, naming it', () => {
    const { monitor } = setup();
    expect(() => cacheMetrics(monitor, 'users cache')).toThrow(/cacheMetrics: name/);
    expect(() => cacheMetrics(monitor, '')).toThrow(/cacheMetrics: name/);
    expect(() => cacheMetrics(monitor, 'x', { window: 0 })).toThrow(/window/);
  });
});
