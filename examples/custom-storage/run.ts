// Runs a monitor on JsonFileStorage: records, flushes, reads the rollups back from the file's
// store, and lets an alert rule fire. Run with `npx tsx examples/custom-storage/run.ts [file]`.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMonitor } from 'pulsewatch';
import { JsonFileStorage } from './json-file-storage.js';

const path = process.argv[2] ?? join(tmpdir(), `pulsewatch-custom-storage-${process.pid}.json`);
const storage = new JsonFileStorage({ path });
const monitor = createMonitor({ service: 'shop', storage });
monitor.on('error', (error) => console.error(`[pulsewatch] ${error.code}: ${error.message}`));
monitor.on('alertTriggered', (alert) => console.log(`alert firing: ${alert.ruleName} (${alert.message})`));

// Record: 20 orders, every fifth one failed, and how long each checkout took.
const orders = monitor.counter({ name: 'orders_total', help: 'Orders by outcome', labelNames: ['status'] });
const checkout = monitor.histogram({ name: 'checkout_duration_seconds', help: 'Checkout latency', labelNames: ['route'], unit: 'seconds' });
for (let i = 0; i < 20; i++) {
  orders.inc({ status: i % 5 === 0 ? 'failed' : 'ok' });
  checkout.observe(0.05 + i * 0.01, { route: '/checkout' });
}

// An alert rule: stored through the adapter (saveRule), evaluated on the recorded data; the
// firing alert is saved through it too (saveAlert), and the notification lease taken with tryAcquire.
await monitor.alerts.createRule({
  name: 'Slow checkout',
  metric: 'checkout_duration_seconds',
  aggregation: 'p95',
  window: '5m',
  condition: 'gt',
  threshold: 0.2, // seconds
  duration: 0,
  severity: 'critical',
});
await monitor.alerts.evaluate();

// Flush: the open slot is closed and its rollups written with writeRollups.
await monitor.flush();

for (const r of await storage.queryRollups({ name: 'orders_total' })) console.log(`rollup orders_total ${JSON.stringify(r.labels)} sum=${r.sum}`);
for (const r of await storage.queryRollups({ name: 'checkout_duration_seconds', labels: { route: '/checkout' } })) {
  console.log(`rollup checkout_duration_seconds count=${r.count} min=${r.min} max=${r.max} hdr=${r.hdr ? 'yes' : 'no'}`);
}
console.log(`rules stored: ${(await storage.listRules()).map((r) => r.name).join(', ')}`);
console.log(`alerts stored: ${(await storage.queryAlerts({ status: 'firing' })).map((a) => `${a.ruleName} (${a.severity}, ${a.message})`).join(', ')}`);

await monitor.close();
// The monitor closes only the storage it created; this one is ours.
await storage.close();
console.log(`store: ${path}`);
