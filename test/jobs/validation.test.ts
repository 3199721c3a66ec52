import { describe, expect, it } from 'vitest';
import { isConfigError, isValidationError, type ValidationError } from '../../src/core/errors.js';
import { jobsHarness } from './harness.js';

describe('bad input gets a typed error naming the field', () => {
  const noop = () => undefined;

  it('define: negative concurrency, a timeout of 0, an unknown option, a taken type', () => {
    const h = jobsHarness();
    expect(() => h.jobs.define('a', noop, { concurrency: -1 })).toThrow(/concurrency/);
    try {
      h.jobs.define('a', noop, { timeout: 0 });
      expect.unreachable();
    } catch (error) {
      expect(isConfigError(error)).toBe(true);
      expect((error as Error).message).toMatch(/^invalid options of job type "a": timeout: /);
    }
    expect(() => h.jobs.define('a', noop, { retries: -1 })).toThrow(/retries/);
    expect(() => h.jobs.define('a', noop, { priority: 'urgent' as 'high' })).toThrow(/priority/);
    expect(() => h.jobs.define('a', noop, { backoff: { factor: 0.5 } })).toThrow(/backoff\.factor/);
    expect(() => h.jobs.define('a', noop, { concurency: 2 } as never)).toThrow(/concurency: unknown option/);
    expect(() => h.jobs.define('', noop)).toThrow(/type/);
    expect(() => h.jobs.define('a', 'not a function' as never)).toThrow(/handler/);
    h.jobs.define('a', noop);
    expect(() => h.jobs.define('a', noop)).toThrow(/type: "a" is defined already/);
  });

  it('enqueue: an unknown type, bad options, a payload the idempotency function throws on', async () => {
    const h = jobsHarness();
    h.jobs.define('keyed', noop, { idempotencyKey: (p: { id: string }) => p.id });
    const unknown = (await h.jobs.enqueue('nope', {}).catch((e: unknown) => e)) as ValidationError;
    expect(isValidationError(unknown)).toBe(true);
    expect(unknown.issues).toEqual([{ path: 'type', message: 'is not a defined job type' }]);
    const badOption = (await h.jobs.enqueue('keyed', { id: 'x' }, { priority: 'urgent' as 'high' }).catch((e: unknown) => e)) as ValidationError;
    expect(isValidationError(badOption)).toBe(true);
    expect(badOption.issues[0]!.path).toBe('options.priority');
    const threw = (await h.jobs.enqueue('keyed', null).catch((e: unknown) => e)) as ValidationError;
    expect(isValidationError(threw)).toBe(true);
    expect(threw.issues).toEqual([{ path: 'idempotencyKey', message: 'threw on the payload' }]);
    expect(threw.cause).toBeInstanceOf(TypeError);
    const empty = (await h.jobs.enqueue('keyed', { id: '' }).catch((e: unknown) => e)) as ValidationError;
    expect(empty.issues[0]!.path).toBe('idempotencyKey');
  });

  it('jobs options: a bad value names the option', () => {
    // The monitor's options carry the jobs' options: createMonitor names the field under `jobs`.
    expect(() => jobsHarness({ jobs: { deadLetterMaxAttempts: -1 } })).toThrow(/jobs\.deadLetterMaxAttempts: Too small/);
  });
});
