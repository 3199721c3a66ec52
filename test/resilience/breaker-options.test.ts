import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, isConfigError } from '../../src/core/errors.js';
import { breakerOptionsSchema, parseBreakerOptions, type BreakerOptions } from '../../src/resilience/breaker-options.js';
import { breakerHarness, deepFreeze, failTimes, type BreakerHarness } from './helpers.js';

function configError(options: unknown): ConfigError {
  try {
    parseBreakerOptions('stripe', options);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('option validation', () => {
  it.each([
    [{ failureThreshold: 0 }, 'failureThreshold', 'got 0'],
    [{ failureThreshold: 2.5 }, 'failureThreshold', 'got 2.5'],
    [{ failureThreshold: false }, 'failureThreshold', 'needs errorThresholdPercentage'],
    [{ errorThresholdPercentage: 100 }, 'errorThresholdPercentage', 'got 100'],
    [{ errorThresholdPercentage: -1 }, 'errorThresholdPercentage', 'got -1'],
    [{ volumeThreshold: 10 }, 'volumeThreshold', 'only applies together with errorThresholdPercentage'],
    [{ rollingCountTimeout: '10s' }, 'rollingCountTimeout', 'only applies together with errorThresholdPercentage'],
    [{ errorThresholdPercentage: 50, rollingCountTimeout: 5, rollingCountBuckets: 10 }, 'rollingCountBuckets', 'at least 1 ms'],
    [{ resetTimeout: 0 }, 'resetTimeout', 'greater than 0'],
    [{ resetTimeout: 'a minute' }, 'resetTimeout', 'got "a minute"'],
    [{ timeout: true }, 'timeout', 'got true'],
    [{ timeout: '10x' }, 'timeout', 'got "10x"'],
    [{ fallback: 'cached' }, 'fallback', 'must be a function'],
    [{ isFailure: 404 }, 'isFailure', 'must be a function'],
    [{ critical: 'yes' }, 'critical', 'got "yes"'],
    [{ treshold: 5 }, 'options', 'treshold'],
  ])('rejects %o with a ConfigError naming the breaker, the option and the value', (options, path, problem) => {
    const error = configError(options);
    expect(isConfigError(error)).toBe(true);
    expect(error.code).toBe('ERR_PULSEWATCH_CONFIG');
    expect(error.message).toContain('circuit breaker "stripe"');
    expect(error.message).toContain(`${path}: `);
    expect(error.message).toContain(problem);
  });

  it('applies seed 000 defaults: 5 consecutive failures, 60 s reset, 10 s timeout, no percentage rule', () => {
    expect(parseBreakerOptions('x', {})).toEqual({
      failureThreshold: 5,
      errorThresholdPercentage: undefined,
      volumeThreshold: 0,
      rollingCountTimeout: 10_000,
      rollingCountBuckets: 10,
      resetTimeout: 60_000,
      timeout: 10_000,
      fallback: undefined,
      isFailure: undefined,
      critical: false,
    });
  });

  it('accepts durations as ms or strings, and timeout: false', () => {
    const o = parseBreakerOptions('x', { resetTimeout: '30s', timeout: false, errorThresholdPercentage: 50, rollingCountTimeout: '1m' });
    expect(o).toMatchObject({ resetTimeout: 30_000, timeout: false, rollingCountTimeout: 60_000, failureThreshold: false });
  });

  it('returns a new frozen object', () => {
    const input = { failureThreshold: 3 };
    const o = parseBreakerOptions('x', input);
    expect(o).not.toBe(input);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('exposes the schema input as the options type (fields with defaults optional)', () => {
    const options: BreakerOptions = {};
    expect(breakerOptionsSchema.safeParse(options).success).toBe(true);
  });
});

describe('caller options are never written to', () => {
  let h: BreakerHarness;
  beforeEach(() => {
    h = breakerHarness();
  });
  afterEach(async () => {
    await h.monitor.close();
  });

  it('works with deep-frozen options (opossum assigns its defaults into the object it gets)', async () => {
    const options = deepFreeze({ failureThreshold: 2, resetTimeout: '30s', timeout: '5s', fallback: () => 'stale' });
    const breaker = h.monitor.circuitBreaker('frozen', async (): Promise<string> => {
      throw new Error('down');
    }, options);
    await expect(breaker.fire()).resolves.toBe('stale');
    expect(options).toEqual({ failureThreshold: 2, resetTimeout: '30s', timeout: '5s', fallback: options.fallback });
  });

  it('leaves one options object shared by two breakers as it was', async () => {
    const shared = { errorThresholdPercentage: 50, volumeThreshold: 2 };
    const a = h.monitor.circuitBreaker('a', async () => 'a', shared);
    const b = h.monitor.circuitBreaker('b', async (): Promise<string> => {
      throw new Error('b');
    }, shared);
    await a.fire();
    await failTimes(() => b.fire(), 3);
    expect(shared).toEqual({ errorThresholdPercentage: 50, volumeThreshold: 2 });
    expect(Object.keys(shared)).toEqual(['errorThresholdPercentage', 'volumeThreshold']);
    expect(a.options.timeout).toBe(10_000);
  });
});
