/**
 * Each step of a timeline is one `phase` label value, `<from>_to_<to>`: two steps must not make
 * the same one. Phases ['a', 'b_to_c', 'a_to_b', 'c'] made `a_to_b_to_c` twice: both steps went
 * into one series (its mean the two steps' mixed) and each sample showed two steps of three.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/index.js';
import { setup } from './helpers.js';

describe('step names', () => {
  it('refuses phases whose steps would share a label value, with a ConfigError naming phases', () => {
    const { timelines, monitor } = setup();
    const create = (): unknown => timelines.create('job', { phases: ['a', 'b_to_c', 'a_to_b', 'c'] });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(/phases: .*"a_to_b_to_c"/);
    // Nothing was defined: the names are free.
    expect(monitor.getMetric('job_latency_ms')).toBeUndefined();
  });

  it('takes phases holding "_to_" whose steps differ', () => {
    const { timelines } = setup();
    const t = timelines.create('job', { phases: ['ready_to_go', 'gone'] });
    expect(t.phases).toEqual(['ready_to_go', 'gone']);
  });
});
