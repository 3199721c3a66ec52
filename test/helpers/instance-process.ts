/**
 * One instance of a service in its own Node process, for the many-instances-as-one tests:
 * a monitor on a shared store (Redis or PostgreSQL) with a webhook channel, driven by its
 * parent over IPC. Each process has its own ManualClock; the parent moves all clocks together.
 * Usage (by test/helpers/instances.ts): node --import tsx instance-process.ts <config JSON>.
 */
import { createMonitor, webhookNotifier } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { openSharedStore } from './shared-store.js';

export interface InstanceConfig {
  store: 'redis' | 'postgres';
  /** Redis key prefix or PostgreSQL schema shared by the instances of one test. */
  namespace: string;
  start: number;
  webhookUrl: string;
  index: number;
}

/** A command from the parent; each gets one reply `{ id, ok, value | error }`. */
export type InstanceCommand =
  | { id: number; op: 'createRule'; rule: Parameters<ReturnType<typeof createMonitor>['alerts']['createRule']>[0] }
  | { id: number; op: 'observe'; metric: string; values: number[]; labels?: Record<string, string> }
  | { id: number; op: 'advance'; ms: number }
  | { id: number; op: 'evaluate' }
  | { id: number; op: 'flush' }
  | { id: number; op: 'activeAlerts' }
  | { id: number; op: 'rules' }
  | { id: number; op: 'idle' }
  | { id: number; op: 'close' };

const config = JSON.parse(process.argv[2]!) as InstanceConfig;


const storage = await openSharedStore(config.store, config.namespace);
const clock = new ManualClock(config.start);
const monitor = createMonitor({
  service: 'checkout',
  clock,
  storage,
  notifiers: [webhookNotifier({ name: 'ops', url: config.webhookUrl, headers: { 'x-instance': String(config.index) } })],
  alerts: { evaluationInterval: '1h', syncInterval: '15s' },
});
monitor.on('error', (e) => process.stderr.write(`instance ${config.index}: ${e.message}\n`));

async function run(command: InstanceCommand): Promise<unknown> {
  switch (command.op) {
    case 'createRule':
      return monitor.alerts.createRule(command.rule);
    case 'observe': {
      const h = monitor.histogram({ name: command.metric, labelNames: Object.keys(command.labels ?? {}), unit: 'seconds' });
      for (const v of command.values) h.observe(v, command.labels);
      return command.values.length;
    }
    case 'advance':
      await clock.advanceAsync(command.ms);
      return clock.now();
    case 'evaluate':
      return monitor.alerts.evaluate();
    case 'flush':
      await monitor.flush();
      return monitor.bufferedRollups;
    case 'activeAlerts':
      return monitor.alerts.getActiveAlerts();
    case 'rules':
      return monitor.alerts.getRules();
    case 'idle':
      await monitor.notifications.idle();
      return true;
    case 'close':
      await monitor.close();
      await storage.close();
      return true;
  }
}

process.on('message', (command: InstanceCommand) => {
  // After `close`, exit once its reply has gone out (send's callback), not after a guessed turn.
  const sent = (): void => {
    if (command.op === 'close') process.exit(0);
  };
  run(command).then(
    (value) => process.send!({ id: command.id, ok: true, value }, sent),
    (error: unknown) => process.send!({ id: command.id, ok: false, error: error instanceof Error ? error.message : String(error) }, sent),
  );
});
process.send!({ ready: true });
