/**
 * One instance of a service in its own Node process, for the fleet-wide read tests: a monitor
 * with its default (generated) instanceId on the shared store, driven by its parent over IPC.
 * Each process has its own ManualClock starting at the slot the parent chose; the parent moves
 * every clock together. A `reader` defines no metric at all (a dashboard, or a fresh instance).
 * Usage (by fleet-processes.ts): node --import tsx fleet-process.ts <config JSON>.
 */
import { createMonitor, type AggregateQuery, type AlertRuleInput, type MetricNameQuery } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { openSharedStore } from '../helpers/shared-store.js';

export interface FleetConfig {
  store: 'redis' | 'postgres';
  namespace: string;
  /** Start of the first slot (ms); slots are 30 s. */
  start: number;
  /** HDR significant digits of every histogram (the parent's reference histogram uses the same). */
  digits: number;
}

/** A command from the parent; each gets one reply `{ id, ok, value | error }`. */
export type FleetCommand =
  | { id: number; op: 'observe'; metric: string; values: number[] }
  | { id: number; op: 'count'; metric: string; amounts: Record<string, number[]> }
  | { id: number; op: 'advance'; ms: number }
  | { id: number; op: 'flush' }
  | { id: number; op: 'aggregate'; query: AggregateQuery }
  | { id: number; op: 'createRule'; rule: AlertRuleInput }
  | { id: number; op: 'evaluate' }
  | { id: number; op: 'activeAlerts' }
  | { id: number; op: 'errors' }
  | { id: number; op: 'names'; query: MetricNameQuery }
  | { id: number; op: 'close' };

const config = JSON.parse(process.argv[2]!) as FleetConfig;

const storage = await openSharedStore(config.store, config.namespace);
const clock = new ManualClock(config.start);
const monitor = createMonitor({
  service: 'checkout',
  clock,
  storage,
  histogram: { significantDigits: config.digits },
  // Evaluations happen when the parent asks: the timer never fires within the test's minutes.
  alerts: { evaluationInterval: '1h', syncInterval: '1h' },
});
const errors: string[] = [];
monitor.on('error', (e) => errors.push(e.message));

async function run(command: FleetCommand): Promise<unknown> {
  switch (command.op) {
    case 'observe': {
      const h = monitor.histogram({ name: command.metric, help: 'Latency', unit: 'seconds' });
      for (const v of command.values) h.observe(v);
      return command.values.length;
    }
    case 'count': {
      const c = monitor.counter({ name: command.metric, help: 'Orders', labelNames: ['shop'] });
      for (const [shop, amounts] of Object.entries(command.amounts)) for (const a of amounts) c.inc({ shop }, a);
      return true;
    }
    case 'advance':
      await clock.advanceAsync(command.ms);
      return clock.now();
    case 'flush':
      await monitor.flush();
      return monitor.bufferedRollups;
    case 'aggregate':
      return monitor.getAggregatedMetrics(command.query);
    case 'createRule':
      return monitor.alerts.createRule(command.rule);
    case 'evaluate':
      return monitor.alerts.evaluate();
    case 'activeAlerts':
      return monitor.alerts.getActiveAlerts();
    case 'errors':
      return errors;
    case 'names':
      if (typeof storage.listMetricNames !== 'function') throw new Error(`${storage.name} storage cannot list metric names`);
      return storage.listMetricNames(command.query);
    case 'close':
      await monitor.close();
      await storage.close();
      return true;
  }
}

process.on('message', (command: FleetCommand) => {
  // After `close`, exit once its reply has gone out (send's callback), not after a guessed turn.
  const sent = (): void => {
    if (command.op === 'close') process.exit(0);
  };
  run(command).then(
    // NaN does not survive IPC's JSON: percentiles of nothing come back as null.
    (value) => process.send!({ id: command.id, ok: true, value }, sent),
    (error: unknown) => process.send!({ id: command.id, ok: false, error: error instanceof Error ? error.message : String(error) }, sent),
  );
});
process.send!({ ready: true });
