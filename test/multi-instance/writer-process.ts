/**
 * One writer of the instance-writes test, in its own Node process: a monitor with its default
 * (generated) instanceId on the shared store counts and observes the values of its plan into
 * two slots, flushes, closes, and prints its instanceId. Its clock is a ManualClock starting at
 * the slot the parent chose, so every writer writes the same slots.
 * Usage: node --import tsx writer-process.ts <config JSON>.
 */
import { createMonitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { openSharedStore } from '../helpers/shared-store.js';

/** What one writer records in each of its two slots. */
export interface WriterConfig {
  store: 'redis' | 'postgres';
  namespace: string;
  /** Start of the first slot (ms); slots are 30 s. */
  start: number;
  /** Amounts added to `orders_total{shop}` per slot. */
  orders: Record<string, number[]>;
  /** Values observed in `checkout_seconds` per slot. */
  checkouts: number[];
}

const config = JSON.parse(process.argv[2]!) as WriterConfig;


const storage = await openSharedStore(config.store, config.namespace);
const clock = new ManualClock(config.start);
const monitor = createMonitor({ service: 'checkout', clock, storage });
const errors: string[] = [];
monitor.on('error', (e) => errors.push(e.message));
const orders = monitor.counter({ name: 'orders_total', help: 'Orders', labelNames: ['shop'] });
const checkout = monitor.histogram({ name: 'checkout_seconds', help: 'Checkout latency', unit: 'seconds' });
for (let slot = 0; slot < 2; slot++) {
  for (const [shop, amounts] of Object.entries(config.orders)) for (const amount of amounts) orders.inc({ shop }, amount);
  for (const v of config.checkouts) checkout.observe(v);
  await clock.advanceAsync(30_000);
  await monitor.flush();
}
await monitor.close();
await storage.close();
process.stdout.write(JSON.stringify({ instanceId: monitor.instanceId, errors }));
