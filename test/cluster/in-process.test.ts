/**
 * The worker side through real MessageChannels in one process (fast): primaryStorage writes and
 * reads through the primary's storage, its calls fail as StorageErrors the recorder understands,
 * gauges merge as configured, and a process without a primary is told so at construction.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, isPulsewatchError, type Monitor, type StorageError } from '../../src/index.js';
import { attachWorkers, primaryStorage, reportToPrimary, type AttachWorkersOptions } from '../../src/node.js';
import { ManualClock } from '../../src/testing.js';
import { samplesOf, valueOf } from '../metrics/exposition/parse-exposition.js';

const NOW = Date.UTC(2026, 0, 1, 0, 0, 10);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const monitors: Monitor[] = [];
const ports: MessagePort[] = [];
afterEach(async () => {
  // Workers first: a worker closing after its primary would wait for answers that never come.
  for (const m of monitors.splice(0).reverse()) await m.close();
  for (const p of ports.splice(0)) p.close();
});

function channel(): [MessagePort, MessagePort] {
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  return [port1, port2];
}

function primaryWith(options: AttachWorkersOptions = {}) {
  const clock = new ManualClock(NOW);
  const monitor = createMonitor({ clock, service: 'in-process' });
  monitors.push(monitor);
  return { clock, monitor, workers: attachWorkers(monitor, { cluster: false, ...options }) };
}

/**
 * A worker monitor storing through `workerEnd`; with `primaryEnd`, reporting too, resolved once
 * the primary has read its hello (the primary listens on its end before this does).
 */
async function workerOn(workerEnd: MessagePort, clock: ManualClock, primaryEnd?: MessagePort): Promise<Monitor> {
  const monitor = createMonitor({ clock, service: 'in-process', storage: primaryStorage({ port: workerEnd, clock }) });
  monitors.push(monitor);
  if (primaryEnd !== undefined) {
    const hello = once(primaryEnd, 'message');
    reportToPrimary(monitor, { port: workerEnd });
    await hello;
  }
  return monitor;
}

describe('primaryStorage', () => {
  it("writes a worker's rollups, with its own instance, into the primary's storage and reads them back", async () => {
    const { workers, monitor: primary } = primaryWith();
    const [primaryEnd, workerEnd] = channel();
    workers.add(primaryEnd);
    const clock = new ManualClock(NOW);
    const worker = await workerOn(workerEnd, clock);
    worker.counter({ name: 'orders_total', help: 'Orders' }).inc(3);
    await worker.flush();
    expect(worker.bufferedRollups).toBe(0);

    const stored = await primary.storage.queryRollups({ name: 'orders_total' });
    expect(stored.map((r) => [r.sum, r.instance])).toEqual([[3, worker.instanceId]]);
    expect(await worker.storage.queryRollups({ name: 'orders_total' })).toEqual(stored);
    expect(await worker.storage.tryAcquire('lease', 1_000)).toBe(true);
    expect(await primary.storage.tryAcquire('lease', 1_000)).toBe(false);
  });

  it('fails a call the primary does not answer within its timeout as a transient StorageError', async () => {
    const [, workerEnd] = channel();
    const clock = new ManualClock(NOW);
    const storage = primaryStorage({ port: workerEnd, clock, timeout: '2s' });
    const call = storage.queryRollups({ name: 'x' }).catch((e: unknown) => e);
    clock.advance(2_000);
    const error = (await call) as StorageError;
    expect(isPulsewatchError(error) && error.code).toBe('ERR_PULSEWATCH_STORAGE');
    expect(error.permanent).toBe(false);
    expect(error.message).toContain('the primary did not answer (timeout)');
    await storage.close();
  });

  it('fails a call past maxMessageBytes as permanent without sending it (the recorder then splits the batch)', async () => {
    const [, workerEnd] = channel();
    const storage = primaryStorage({ port: workerEnd, maxMessageBytes: 200 });
    const rollup = { name: 'x', kind: 'counter' as const, labels: { v: 'y'.repeat(300) }, start: NOW, end: NOW + 1, count: 1, sum: 1, min: 1, max: 1 };
    const error = (await storage.writeRollups([rollup]).catch((e: unknown) => e)) as StorageError;
    expect(error.permanent).toBe(true);
    expect(error.rejected).toBeUndefined();
    await storage.close();
  });

  it('refuses invalid options with a ConfigError naming the option', () => {
    expect(() => primaryStorage({ timeout: -1 })).toThrow(/invalid primaryStorage options: timeout/);
  });
});

describe('gauges of several workers', () => {
  it('sum by default, follow gaugeMerge per metric, and keep one series per worker with per-worker', async () => {
    const { workers, monitor: primary } = primaryWith({ gaugeMerge: { lag_seconds: 'max', slots: 'per-worker' } });
    primary.gauge({ name: 'slots', help: 'Free slots' }).set(7);
    const clock = new ManualClock(NOW);
    for (const value of [1, 5]) {
      const [primaryEnd, workerEnd] = channel();
      workers.add(primaryEnd);
      const worker = await workerOn(workerEnd, clock, primaryEnd);
      worker.gauge({ name: 'queue_depth', help: 'Waiting' }).set(value);
      worker.gauge({ name: 'lag_seconds', help: 'Lag' }).set(value / 10);
      worker.gauge({ name: 'slots', help: 'Free slots' }).set(value);
    }
    expect(workers.reporting).toBe(2);
    const text = await workers.exportPrometheusMetrics();
    expect(valueOf(text, 'queue_depth')).toBe(6);
    expect(valueOf(text, 'lag_seconds')).toBe(0.5);
    const slots = samplesOf(text, 'slots').map((s) => [s.labels['worker']?.replace(/^port-\d+$/, 'port'), s.value]);
    expect(slots).toEqual([['primary', 7], ['port', 1], ['port', 5]]);
  });
});

describe('without a primary', () => {
  it('reportToPrimary and primaryStorage throw a ConfigError in a process that has none', () => {
    const script = `
      const { createMonitor } = await import('./src/index.ts');
      const { reportToPrimary, primaryStorage } = await import('./src/node.ts');
      for (const f of [() => primaryStorage(), () => reportToPrimary(createMonitor())]) {
        try { f(); console.log('no error'); } catch (e) { console.log(e.code + ' ' + e.message); }
      }`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    expect(run.stderr).toBe('');
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^ERR_PULSEWATCH_CONFIG .*this process has no primary to report to/);
  }, 60_000);
});
