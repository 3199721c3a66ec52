/**
 * listMetricNames and the state role through a cluster primary (real MessageChannels, one
 * process): a worker lists the names its primary's storage holds and shares its state, and is
 * told, permanently, when that storage has neither.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor, type PartialStorage, type StorageError } from '../../src/index.js';
import { attachWorkers, primaryStorage } from '../../src/node.js';
import { ManualClock } from '../../src/testing.js';

const NOW = Date.UTC(2026, 0, 1, 0, 0, 10);

const monitors: Monitor[] = [];
const ports: MessagePort[] = [];
const stores: MemoryStorage[] = [];
afterEach(async () => {
  for (const m of monitors.splice(0).reverse()) await m.close();
  for (const p of ports.splice(0)) p.close();
  for (const s of stores.splice(0)) await s.close();
});

/** A worker's storage talking to a primary monitor over `storage`. */
function workerStorage(storage?: PartialStorage) {
  const clock = new ManualClock(NOW);
  const primary = createMonitor({ clock, service: 'names', ...(storage === undefined ? {} : { storage }) });
  monitors.push(primary);
  const { port1, port2 } = new MessageChannel();
  ports.push(port1, port2);
  attachWorkers(primary, { cluster: false }).add(port1);
  return { primary, clock, worker: primaryStorage({ port: port2, clock }) };
}

describe('primaryStorage listMetricNames', () => {
  it("lists the names of the primary's storage, written by the primary and by the worker", async () => {
    const { primary, worker } = workerStorage();
    const rollup = { kind: 'counter' as const, labels: {}, start: NOW - 20_000, end: NOW - 10_000, count: 1, sum: 1, min: 1, max: 1 };
    await worker.writeRollups([{ ...rollup, name: 'worker_total', instance: 'w1' }]);
    await primary.storage.writeRollups([{ ...rollup, name: 'primary_total', instance: 'p' }]);
    expect(await worker.listMetricNames({ since: 0 })).toEqual([
      { name: 'primary_total', kind: 'counter', lastSeen: NOW - 10_000, series: 1 },
      { name: 'worker_total', kind: 'counter', lastSeen: NOW - 10_000, series: 1 },
    ]);
    expect(await worker.listMetricNames({ since: 0, limit: 1 })).toHaveLength(1);
    await worker.close();
  });

  it("passes match to the primary's storage, which applies it before limit", async () => {
    const { primary, worker } = workerStorage();
    const rollup = { kind: 'counter' as const, labels: {}, start: NOW - 20_000, end: NOW - 10_000, count: 1, sum: 1, min: 1, max: 1, instance: 'p' };
    await primary.storage.writeRollups([{ ...rollup, name: 'a_total' }, { ...rollup, name: 'zz_Orders_total' }]);
    expect((await worker.listMetricNames({ since: 0, limit: 1, match: 'orders' })).map((n) => n.name)).toEqual(['zz_Orders_total']);
    expect((await worker.listMetricNames({ since: 0, match: '%' })).map((n) => n.name)).toEqual([]);
    await worker.close();
  });

  it("rejects with a permanent StorageError when the primary's storage has no listMetricNames", async () => {
    const memory = new MemoryStorage();
    stores.push(memory);
    // Plays rollups (without the optional listing) and nothing else.
    const rollupsOnly: PartialStorage = {
      name: 'rollups-only',
      close: async () => undefined,
      writeRollups: (r, o) => memory.writeRollups(r, o),
      queryRollups: (q, o) => memory.queryRollups(q, o),
    };
    const { worker } = workerStorage(rollupsOnly);
    const error = (await worker.listMetricNames({ since: 0 }).catch((e: unknown) => e)) as StorageError;
    expect(error.code).toBe('ERR_PULSEWATCH_STORAGE');
    expect(error.permanent).toBe(true);
    expect(error.message).toContain('has no listMetricNames');
    const state = (await worker.putStateIfAbsent('k', 1).catch((e: unknown) => e)) as StorageError;
    expect([state.permanent, state.message.includes('has no putStateIfAbsent')]).toEqual([true, true]);
    await worker.close();
  });
});

describe('primaryStorage state', () => {
  it("puts, reads and deletes in the primary's storage, first writer wins", async () => {
    const memory = new MemoryStorage({ now: () => NOW });
    stores.push(memory);
    const { worker } = workerStorage(memory);
    expect(await worker.putStateIfAbsent('jobs:a', { mean: 1 })).toBe(true);
    expect(await worker.putStateIfAbsent('jobs:a', { mean: 2 })).toBe(false);
    expect(await memory.readState('jobs:')).toEqual([{ key: 'jobs:a', value: { mean: 1 }, updatedAt: NOW }]);
    await memory.putStateIfAbsent('jobs:b', 'primary');
    expect((await worker.readState('jobs:', { limit: 1 })).map((e) => e.key)).toEqual(['jobs:a']);
    expect(await worker.readState('jobs:')).toEqual(await memory.readState('jobs:'));
    expect(await worker.deleteState('jobs:a')).toBe(true);
    expect((await memory.readState('')).map((e) => e.key)).toEqual(['jobs:b']);
    // Refused in the worker, before anything is sent: a value JSON cannot carry.
    const error = (await worker.putStateIfAbsent('jobs:c', 1n).catch((e: unknown) => e)) as StorageError;
    expect(error.permanent).toBe(true);
    await worker.close();
  });
});
