/**
 * A query that throws when read (a getter, a Proxy) is a ValidationError, as for the other
 * analysis reads (getTimeSeries, generatePerformanceReport): slaReport rejected with the
 * caller's own error, message and all.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { CHAT_PHASES, setup } from '../timeline/helpers.js';

describe('slaReport with a query that throws when read', () => {
  it.each([
    ['a throwing getter', () => ({ timeline: 'chat', get window(): number { throw new Error('boom token=hunter2'); } })],
    ['a Proxy whose traps throw', () => new Proxy({}, { get() { throw new Error('trap token=hunter2'); }, ownKeys() { throw new Error('trap token=hunter2'); } })],
    ['a nested Proxy', () => ({ timeline: 'chat', objective: new Proxy({}, { get() { throw new Error('inner token=hunter2'); } }) })],
  ])('%s: rejects with a ValidationError that does not carry its message', async (_, query) => {
    const s = setup();
    s.timelines.create('chat', { phases: [...CHAT_PHASES] });
    const error = await s.sla.report(query() as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).message).toBe('invalid SLA query: it could not be read');
    expect((error as ValidationError).message).not.toContain('hunter2');
    await s.monitor.close();
  });
});
