/**
 * Job baselines of a cluster worker whose primary's store has no state role: the worker's
 * primaryStorage has the state calls whatever the primary's store plays, so the baselines must
 * fall back to the rule record when the primary refuses them, not be lost.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { attachWorkers, primaryStorage } from '../../src/node.js';
import { createMonitor, type Monitor } from '../../src/index.js';
import { BaselineStore, baselineRecordId } from '../../src/jobs/baseline-store.js';
import type { CapabilityContext } from '../../src/capability.js';
import type { PulsewatchError } from '../../src/core/errors.js';
import { hasRole, STORAGE_CALLS, type StorageAdapter } from '../../src/storage/contract.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

const T0 = 1_800_000_000_000;
const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

/** A primary whose store plays every required role but `state`, and a worker's storage attached to it. */
function workerOfStatelessPrimary(clock: ManualClock) {
  const inner = new MemoryStorage({ now: () => clock.now() });
  const stateless = Object.fromEntries(STORAGE_CALLS.map((call) => [call, (inner[call] as (...a: unknown[]) => unknown).bind(inner)])) as unknown as StorageAdapter;
  Object.assign(stateless, { name: 'no-state', close: () => inner.close() });
  const primary: Monitor = createMonitor({ service: 'svc', storage: stateless, clock });
  const workers = attachWorkers(primary, { cluster: false });
  const { port1, port2 } = new MessageChannel();
  workers.add(port1);
  const storage = primaryStorage({ port: port2 });
  closers.push(() => primary.close(), () => port1.close(), () => port2.close(), () => storage.close());
  return { inner, storage };
}

function baselineStore(storage: StorageAdapter, clock: ManualClock, reports: PulsewatchError[]): BaselineStore {
  // Only what BaselineStore reads of the monitor's context.
  const ctx = { storage, service: 'svc', clock, report: (e: PulsewatchError) => void reports.push(e) } as unknown as CapabilityContext;
  return new BaselineStore(ctx);
}

describe('job baselines of a cluster worker whose primary store has no state role', () => {
  it('are written to the rule record on the primary and restored from it, with no error', async () => {
    const clock = new ManualClock(T0);
    const { inner, storage } = workerOfStatelessPrimary(clock);
    expect(hasRole(storage, 'state')).toBe(true); // what makes the fallback necessary
    const reports: PulsewatchError[] = [];
    const baseline = { jobType: 'export', mean: 12, p95: 30, sampleSize: 10, createdAt: T0 };
    await baselineStore(storage, clock, reports).save([baseline]);
    expect(reports).toEqual([]);
    expect((await inner.listRules()).map((r) => [r.id, r['jobBaselines']])).toEqual([[baselineRecordId('svc'), { export: baseline }]]);
    // A restarted worker: a new store instance, which learns the fallback on its first read.
    const restarted = baselineStore(storage, clock, reports);
    expect([...(await restarted.load()).values()]).toEqual([baseline]);
    await restarted.save([{ ...baseline, jobType: 'import' }]);
    expect(reports).toEqual([]);
    expect(Object.keys((await inner.listRules())[0]!['jobBaselines'] as object)).toEqual(['export', 'import']);
  });
});
