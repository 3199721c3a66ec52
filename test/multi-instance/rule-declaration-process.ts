/**
 * One start of one instance, for rule-declaration.test.ts: opens the shared store (Redis or
 * PostgreSQL), creates a monitor, runs the start-up declaration `monitor.alerts.ensureRule(rule)`
 * as an application would, prints the rule it got as one JSON line, closes and exits.
 * Usage: node --import tsx rule-declaration-process.ts <config JSON>.
 */
import { createMonitor, type AlertRuleInput } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { openSharedStore } from '../helpers/shared-store.js';

export interface DeclarationConfig {
  store: 'redis' | 'postgres';
  /** Redis key prefix or PostgreSQL schema shared by the instances of one test. */
  namespace: string;
  /** This start's clock. */
  now: number;
  rule: AlertRuleInput & { id: string };
}

const config = JSON.parse(process.argv[2]!) as DeclarationConfig;


const storage = await openSharedStore(config.store, config.namespace);
const monitor = createMonitor({ service: 'checkout', clock: new ManualClock(config.now), storage });
monitor.on('error', (e) => process.stderr.write(`${e.message}\n`));
try {
  const rule = await monitor.alerts.ensureRule(config.rule);
  process.stdout.write(`${JSON.stringify(rule)}\n`);
} finally {
  await monitor.close();
  await storage.close();
}
