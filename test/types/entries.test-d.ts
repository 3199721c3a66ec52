import { describe, expectTypeOf, it } from 'vitest';
import { createMonitor, type AlertRuleInput, type Counter, type Histogram, type Monitor } from '../../src/index.js';

describe('types of what the main entry exports', () => {
  it('names the monitor and its metrics as types, made by createMonitor', () => {
    const monitor = createMonitor();
    expectTypeOf(monitor).toEqualTypeOf<Monitor>();
    expectTypeOf(monitor.counter({ name: 'a_total', labelNames: ['k'] })).toEqualTypeOf<Counter<'k'>>();
    expectTypeOf(monitor.histogram({ name: 'b_seconds', labelNames: ['route'] })).toEqualTypeOf<Histogram<'route'>>();
  });

  it('takes mean or avg in a rule, and a duration with its unit', () => {
    expectTypeOf<{ name: 'x'; metric: 'm'; condition: 'gt'; threshold: 1; aggregation: 'mean'; duration: '300s' }>().toMatchTypeOf<AlertRuleInput>();
    expectTypeOf<{ name: 'x'; metric: 'm'; condition: 'gt'; threshold: 1; aggregation: 'avg' }>().toMatchTypeOf<AlertRuleInput>();
    expectTypeOf<{ name: 'x'; metric: 'm'; condition: 'gt'; threshold: 1; aggregation: 'median' }>().not.toMatchTypeOf<AlertRuleInput>();
  });
});
