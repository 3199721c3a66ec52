/**
 * A fleet for the shared-evaluation tests: monitors of one service on one MemoryStorage and one
 * ManualClock, each with a CPU gauge, a recording notifier (and, with `am`, a state channel),
 * declaring the same `cpu-high` rule as an application does at start-up.
 */
import { MemoryStorage, type AlertEngineOptions, type AlertRuleInput, type Gauge } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordingNotifier, setup, type RecordingNotifier, type Setup } from './support.js';

export const CPU_RULE = { id: 'cpu-high', name: 'CPU high', metric: 'cpu_usage_percent', aggregation: 'last', window: '1m', condition: 'gt', threshold: 90, severity: 'critical' } as const satisfies AlertRuleInput & { id: string };

/** One instance of a {@link fleet}. */
export interface FleetInstance {
  s: Setup;
  cpu: Gauge;
  slack: RecordingNotifier;
  am: RecordingNotifier;
}

/** Creates the fleet; `rule` changes fields of {@link CPU_RULE}, `extra.alerts` the engine's options. */
export function fleet(rule: Partial<AlertRuleInput> = {}, extra: { am?: boolean; alerts?: AlertEngineOptions } = {}) {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const instances: FleetInstance[] = [];
  /** Starts an instance (a process, or a restart of one): sets CPU and, unless told not to, declares the rule. */
  const start = async (cpu = 95, declare = true): Promise<FleetInstance> => {
    const slack = recordingNotifier('slack');
    const am = recordingNotifier('am', 'state');
    const s = setup({ storage, notifiers: extra.am === true ? [slack, am] : [slack], alerts: { evaluationInterval: '15s', ...extra.alerts } }, clock);
    const gauge = s.monitor.gauge({ name: 'cpu_usage_percent' });
    gauge.set(cpu);
    if (declare) await s.monitor.alerts.ensureRule({ ...CPU_RULE, ...rule });
    const entry = { s, cpu: gauge, slack, am };
    instances.push(entry);
    return entry;
  };
  /** Moves the clock to T0 + offset and evaluates the given instances in order. */
  const evaluate = async (offset: number, ...order: { s: Setup }[]) => {
    clock.set(T0 + offset);
    const results = [];
    for (const { s } of order) results.push(await s.monitor.alerts.evaluate());
    for (const { s } of order) await s.monitor.notifications.idle();
    return results;
  };
  /** Human notifications of every instance with this status. */
  const sent = (status: 'firing' | 'resolved') => instances.flatMap((i) => i.slack.with(status));
  return { clock, storage, start, evaluate, sent, instances };
}
