/**
 * Job baselines kept in the state role, restored by a new instance on the same store, on
 * MemoryStorage, real Redis and real PostgreSQL; the record earlier versions wrote (a disabled
 * rule) stays readable and is no longer written; a store without the state role keeps it.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { STORAGE_CALLS, type StateStore, type StorageAdapter } from '../../src/storage/contract.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { baselineKeyPrefix, baselineRecordId } from '../../src/jobs/baseline-store.js';
import { postgresAvailable } from '../helpers/postgres-db.js';
import { redisAvailable } from '../helpers/redis-env.js';
import { clearSharedStore, openSharedStore } from '../helpers/shared-store.js';
import { jobsHarness, T0, timedBody } from './harness.js';

const up = { memory: true, redis: await redisAvailable('job baselines on Redis'), postgres: await postgresAvailable('job baselines on PostgreSQL') };
type Kind = keyof typeof up;

const opened: { kind: Kind; namespace: string; storage: StorageAdapter }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) {
    await o.storage.close();
    if (o.kind !== 'memory') await clearSharedStore(o.kind, o.namespace);
  }
});

async function open(kind: Kind, clock: ManualClock): Promise<StorageAdapter & StateStore> {
  const namespace = kind === 'redis' ? `pwK:baselines:${randomUUID()}:` : `pw_k_bl_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const storage = kind === 'memory' ? new MemoryStorage({ now: () => clock.now() }) : await openSharedStore(kind, namespace);
  opened.push({ kind, namespace, storage });
  return storage as StorageAdapter & StateStore;
}

/** Runs `count` jobs of `type` taking `ms` each, one after another. */
async function learn(h: ReturnType<typeof jobsHarness>, type: string, ms: number, count = 10): Promise<void> {
  const { body } = timedBody(h.clock, ms);
  h.jobs.define(type, body);
  for (let i = 0; i < count; i++) {
    const handle = await h.jobs.enqueue(type, i);
    await h.clock.advanceAsync(ms);
    await handle.result;
  }
}

/** A rule record as versions before the state role wrote it. */
function earlierRecord(baselines: Record<string, unknown>) {
  return { id: baselineRecordId('publisher'), name: 'Job run time regression (baselines kept by monitor.jobs)', enabled: false, createdAt: T0, updatedAt: T0, jobBaselines: baselines };
}

describe.each(['memory', 'redis', 'postgres'] as const)('job baselines on %s', (kind) => {
  it.skipIf(!up[kind])('are restored by a new instance on the same store from the state role, with no rule written', { timeout: 30_000 }, async () => {
    const clock = new ManualClock(T0);
    const storage = await open(kind, clock);
    const first = jobsHarness({ clock, storage });
    await learn(first, 'media', 50);
    const learned = await first.jobs.baselines();
    expect(learned).toEqual([{ jobType: 'media', mean: 50, p95: 50, sampleSize: 10, createdAt: clock.now() }]);
    await first.jobs.close();

    const second = jobsHarness({ clock, storage });
    second.jobs.define('media', () => undefined);
    expect(await second.jobs.baselines()).toEqual(learned);
    expect(second.errors).toEqual([]);
    expect(await storage.listRules()).toEqual([]);
    expect((await storage.readState(baselineKeyPrefix('publisher'))).map((e) => [e.key, e.value])).toEqual([
      [`${baselineKeyPrefix('publisher')}media`, { mean: 50, p95: 50, sampleSize: 10, createdAt: learned[0]!.createdAt }],
    ]);
    await second.jobs.close();
  });

  it.skipIf(!up[kind])('reads the rule record an earlier version wrote, and writes new types to the state only', { timeout: 30_000 }, async () => {
    const clock = new ManualClock(T0);
    const storage = await open(kind, clock);
    const record = earlierRecord({ media: { mean: 40, p95: 80, sampleSize: 10, createdAt: T0 - 1 } });
    await storage.saveRule(record);
    const h = jobsHarness({ clock, storage });
    h.jobs.define('media', () => undefined);
    await learn(h, 'export', 20);
    expect(await h.jobs.baselines()).toEqual([
      { jobType: 'media', mean: 40, p95: 80, sampleSize: 10, createdAt: T0 - 1 },
      { jobType: 'export', mean: 20, p95: 20, sampleSize: 10, createdAt: clock.now() },
    ]);
    await h.jobs.close();
    expect(await storage.listRules()).toEqual([record]);
    expect((await storage.readState(baselineKeyPrefix('publisher'))).map((e) => e.key)).toEqual([`${baselineKeyPrefix('publisher')}export`]);
    const next = jobsHarness({ clock, storage });
    next.jobs.define('media', () => undefined);
    next.jobs.define('export', () => undefined);
    expect((await next.jobs.baselines()).map((b) => [b.jobType, b.mean])).toEqual([['media', 40], ['export', 20]]);
    await next.jobs.close();
  });
});

describe.each(['memory', 'redis', 'postgres'] as const)('job baselines learned by two instances on %s', (kind) => {
  it.skipIf(!up[kind])('keep the first one stored: a new instance restores it, not the later one', { timeout: 30_000 }, async () => {
    const clock = new ManualClock(T0);
    const storage = await open(kind, clock);
    const a = jobsHarness({ clock, storage });
    const b = jobsHarness({ clock, storage });
    await learn(a, 'media', 50);
    await a.jobs.baselines(); // written
    await learn(b, 'media', 70);
    await b.jobs.baselines();
    await a.jobs.close();
    await b.jobs.close();
    expect(b.errors).toEqual([]);
    const c = jobsHarness({ clock, storage });
    c.jobs.define('media', () => undefined);
    expect((await c.jobs.baselines()).map((x) => [x.jobType, x.mean])).toEqual([['media', 50]]);
    await c.jobs.close();
  });
});

describe('job baselines on a store without the state role', () => {
  it('keep the rule record: written, merged and restored as before', async () => {
    const clock = new ManualClock(T0);
    const memory = new MemoryStorage({ now: () => clock.now() });
    // Every call of the contract but the state role's.
    const storage = Object.fromEntries(STORAGE_CALLS.map((call) => [call, (memory[call] as (...a: unknown[]) => unknown).bind(memory)])) as unknown as StorageAdapter;
    Object.assign(storage, { name: 'no-state', close: () => memory.close() });
    const first = jobsHarness({ clock, storage });
    await learn(first, 'media', 50);
    await first.jobs.close();
    const [rule] = await storage.listRules();
    expect(rule).toMatchObject({ id: baselineRecordId('publisher'), enabled: false, jobBaselines: { media: { mean: 50, p95: 50, sampleSize: 10 } } });
    const second = jobsHarness({ clock, storage });
    second.jobs.define('media', () => undefined);
    expect((await second.jobs.baselines()).map((b) => [b.jobType, b.mean])).toEqual([['media', 50]]);
    await second.jobs.close();
    await memory.close();
  });
});
