/**
 * One start of one instance, for rule-declaration.test.ts: opens the shared store (Redis or
 * PostgreSQL), creates a monitor, runs the start-up declaration `monitor.alerts.ensureRule(rule)`
 * as an application would, prints the rule it got as one JSON line, closes and exits.
 * Usage: node --import tsx rule-declaration-process.ts <config JSON>.
 */
import { createMonitor, type AlertRuleInput, type StorageAdapter } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

export interface DeclarationConfig {
  store: 'redis' | 'postgres';
  /** Redis key prefix or PostgreSQL schema shared by the instances of one test. */
  namespace: string;
  /** This start's clock. */
  now: number;
  rule: AlertRuleInput & { id: string };
}

const config = JSON.parse(process.argv[2]!) as DeclarationConfig;

async function openStore(): Promise<StorageAdapter> {
  if (config.store === 'redis') {
    const { RedisStorage } = await import('../../src/redis.js');
    return new RedisStorage({ url: 'redis://127.0.0.1:6379', keyPrefix: config.namespace });
  }
  const { PostgresStorage } = await import('../../src/postgres.js');
  const storage = new PostgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', schema: config.namespace });
  await storage.migrate();
  return storage;
}

const storage = await openStore();
const monitor = createMonitor({ service: 'checkout', clock: new ManualClock(config.now), storage });
monitor.on('error', (e) => process.stderr.write(`${e.message}\n`));
try {
  const rule = await monitor.alerts.ensureRule(config.rule);
  process.stdout.write(`${JSON.stringify(rule)}\n`);
} finally {
  await monitor.close();
  await storage.close();
}
