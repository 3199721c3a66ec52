/**
 * One run of one instance, for alert-restart.test.ts: opens the shared store, creates a monitor
 * on a ManualClock at `now` with a notifier that prints what it is sent, sets a CPU gauge,
 * declares a rule (`ensureRule`), evaluates once and waits for delivery. It prints one JSON
 * line (the evaluation, pending and active alerts, notifications), then either closes and exits
 * or, with `crash`, kills itself with SIGKILL (no close, no flush): a crash.
 * Usage: node --import tsx alert-instance-process.ts <config JSON>.
 */
import { createMonitor, type AlertRuleInput, type Notification } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { openSharedStore } from '../helpers/shared-store.js';

export interface AlertInstanceConfig {
  store: 'redis' | 'postgres';
  namespace: string;
  now: number;
  cpu: number;
  rule: AlertRuleInput & { id: string };
  crash?: boolean;
}

export interface AlertInstanceOutput {
  evaluated: boolean;
  triggered: number;
  pending: { activeAt: number }[];
  active: { id: string; startsAt: number }[];
  sent: Pick<Notification, 'id' | 'status' | 'reason'>[];
}

const config = JSON.parse(process.argv[2]!) as AlertInstanceConfig;
const storage = await openSharedStore(config.store, config.namespace);
const sent: AlertInstanceOutput['sent'] = [];
const monitor = createMonitor({
  service: 'checkout',
  clock: new ManualClock(config.now),
  storage,
  alerts: { evaluationInterval: '15s' },
  notifiers: [{ name: 'pager', async send(n) { sent.push({ id: n.id, status: n.status, reason: n.reason }); } }],
});
monitor.on('error', (e) => process.stderr.write(`${e.message}\n`));
monitor.gauge({ name: 'cpu_usage_percent' }).set(config.cpu);
await monitor.alerts.ensureRule(config.rule);
const result = await monitor.alerts.evaluate();
await monitor.notifications.idle();
const output: AlertInstanceOutput = {
  evaluated: result.evaluated,
  triggered: result.triggered.length,
  pending: monitor.alerts.getPendingAlerts().map((p) => ({ activeAt: p.activeAt })),
  active: monitor.alerts.getActiveAlerts().map((a) => ({ id: a.id, startsAt: a.startsAt })),
  sent,
};
process.stdout.write(`${JSON.stringify(output)}\n`, () => {
  if (config.crash === true) process.kill(process.pid, 'SIGKILL');
  else void monitor.close().then(() => storage.close());
});
