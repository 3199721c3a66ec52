import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/core/errors.js';
import { createMonitor } from '../../src/monitor.js';
import { HEALTH_CHECK_DEFAULTS } from '../../src/health/options.js';

const health = () => createMonitor().health;
const ok = () => true;

function configError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    expect(isConfigError(error)).toBe(true);
    return error as Error;
  }
  throw new Error('expected a ConfigError');
}

describe('health.register option validation', () => {
  it('rejects a non-positive or unreadable timeout, naming the option and the value', () => {
    expect(configError(() => health().register('db', ok, { timeout: 0 })).message).toBe('health.register("db") options: timeout: must be greater than 0, got 0');
    expect(configError(() => health().register('db', ok, { timeout: '2 seconds' as never })).message).toMatch(/^health\.register\("db"\) options: timeout: expected a duration .*, got "2 seconds"$/);
  });

  it('rejects degradedAfter at or past the timeout, naming both', () => {
    expect(configError(() => health().register('db', ok, { degradedAfter: '3s' })).message).toBe(
      'health.register("db") options: degradedAfter: must be less than timeout (3000 ms >= 2000 ms); raise timeout or lower degradedAfter, got "3s"',
    );
  });

  it('rejects unknown options (a typo must not pass silently)', () => {
    expect(configError(() => health().register('db', ok, { critcal: false } as never)).message).toBe('health.register("db") options: critcal: unknown option, got false');
  });

  it('rejects bad groups, critical, cacheTtl, names and checks', () => {
    expect(configError(() => health().register('db', ok, { groups: ['ready ness'] })).message).toMatch(/groups\.0: group names are letters/);
    expect(configError(() => health().register('db', ok, { critical: 'yes' as never })).message).toMatch(/critical: .*, got "yes"/);
    expect(configError(() => health().register('db', ok, { cacheTtl: -1 })).message).toMatch(/cacheTtl: expected a duration/);
    expect(configError(() => health().register('', ok)).message).toMatch(/name must be a non-empty string/);
    expect(configError(() => health().register('db', 'SELECT 1' as never)).message).toBe('health.register("db"): check must be a function, got string');
  });

  it('refuses a name already registered', () => {
    const h = health();
    h.register('db', ok);
    expect(configError(() => h.register('db', ok)).message).toMatch(/already registered; unregister it first/);
  });

  it('never mutates the caller options and applies the documented defaults', () => {
    const h = health();
    const options = Object.freeze({ groups: Object.freeze(['readiness', 'readiness']) as unknown as string[] });
    h.register('db', ok, options);
    expect(options).toEqual({ groups: ['readiness', 'readiness'] });
    expect(h.list()[0]).toEqual({ name: 'db', ...HEALTH_CHECK_DEFAULTS, groups: ['readiness'] });
  });
});

describe('health.check query validation', () => {
  it('rejects a non-boolean quick and unknown keys', async () => {
    const h = health();
    await expect(h.check({ quick: 'true' as never })).rejects.toThrow(/health\.check options: quick: .*, got "true"/);
    await expect(h.check({ grup: 'liveness' } as never)).rejects.toThrow('health.check options: grup: unknown option, got "liveness"');
  });
});
