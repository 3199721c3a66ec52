import { describe, expect, it } from 'vitest';
import { checks } from '../../../src/health/checks/index.js';
import type { HealthCheckContext } from '../../../src/health/types.js';

const ctx = {} as HealthCheckContext;

describe('checks.breakers', () => {
  type State = 'closed' | 'open' | 'halfOpen';
  const source = (...list: [string, State, boolean][]) => ({ breakers: () => list.map(([name, state, critical]) => ({ name, state, critical })) });

  it('is healthy while every breaker is closed', async () => {
    expect(await checks.breakers(source(['stripe', 'closed', true], ['mailer', 'closed', false]))(ctx)).toEqual({
      status: 'healthy',
      message: 'breakers closed: 2',
      details: { open: [], halfOpen: [], total: 2 },
    });
  });

  it('is unhealthy while a critical breaker is open', async () => {
    expect(await checks.breakers(source(['stripe', 'open', true], ['mailer', 'open', false]))(ctx)).toMatchObject({
      status: 'unhealthy',
      message: 'critical open: "stripe"; open: "mailer"',
      details: { open: ['stripe', 'mailer'] },
    });
  });

  it('is degraded while a non-critical breaker is open or any is half-open', async () => {
    expect(await checks.breakers(source(['mailer', 'open', false]))(ctx)).toMatchObject({ status: 'degraded' });
    expect(await checks.breakers(source(['stripe', 'halfOpen', true]))(ctx)).toMatchObject({ status: 'degraded', message: 'half-open: "stripe"' });
  });

  it('rejects a source without breakers()', () => {
    expect(() => checks.breakers({} as never)).toThrow(expect.objectContaining({ code: 'ERR_PULSEWATCH_CONFIG' }));
  });
});
