/**
 * A timeline that cannot be created defines none of its metrics: a conflict found on one of them
 * must not leave the others registered, taking their names from the user.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, LimitError } from '../../src/index.js';
import { setup } from './helpers.js';

const names = (s: ReturnType<typeof setup>, prefix: string) => s.monitor.getMetrics().map((m) => m.name).filter((n) => n.startsWith(prefix));

describe('a timeline that cannot be created', () => {
  it('leaves no metric behind when one of its names is taken, and the user can then define the others', () => {
    const s = setup();
    s.monitor.histogram({ name: 'q_phase_latency_ms', unit: 'ms' });
    expect(() => s.monitor.timeline('q', { phases: ['a', 'b'] })).toThrow(ConfigError);
    expect(() => s.monitor.timeline('q', { phases: ['a', 'b'] })).toThrow(/metric "q_phase_latency_ms" is already defined/);
    expect(names(s, 'q_')).toEqual(['q_phase_latency_ms']);
    expect(() => s.monitor.histogram({ name: 'q_latency_ms', unit: 'ms', labelNames: ['route'] })).not.toThrow();
    expect(() => s.monitor.counter({ name: 'q_entries_total' })).not.toThrow();
  });

  it('leaves no metric behind when one would expose a sample another metric exposes', () => {
    const s = setup();
    s.monitor.gauge({ name: 'r_entries' });
    expect(() => s.monitor.timeline('r', { phases: ['a', 'b'] })).toThrow(/metric "r_entries_total" would expose "r_entries", which metric "r_entries" already exposes/);
    expect(names(s, 'r_')).toEqual(['r_entries']);
    expect(() => s.monitor.histogram({ name: 'r_latency_ms', unit: 'ms' })).not.toThrow();
  });

  it('leaves no metric behind when its metrics do not all fit under limits.maxMetrics', () => {
    const s = setup({ limits: { maxMetrics: 2 } });
    expect(() => s.monitor.timeline('t', { phases: ['a', 'b'] })).toThrow(LimitError);
    expect(names(s, 't_')).toEqual([]);
    expect(() => s.monitor.histogram({ name: 't_latency_ms', unit: 'ms' })).not.toThrow();
  });
});
