/**
 * One instance of a service with a job runner on a shared store, in its own Node process, for the
 * fleet dedup test. Usage: node --import tsx dedup-process.ts <config JSON>; commands over IPC,
 * one reply each. Imports nothing from vitest.
 */
import { ManualClock } from '../../src/testing/manual-clock.js';
import { openSharedStore, type SharedStoreKind } from '../helpers/shared-store.js';
import { jobsHarness } from './harness.js';

const config = JSON.parse(process.argv[2]!) as { store: SharedStoreKind; namespace: string };
const storage = await openSharedStore(config.store, config.namespace);
const h = jobsHarness({ storage, clock: new ManualClock(Date.now()), service: 'fleet-dedup' });
const ran: string[] = [];
h.jobs.define('content-generation', (p: { post: string }) => void ran.push(p.post), { concurrency: 5, idempotencyKey: (p: { post: string }) => p.post, idempotencyTtl: '10m' });

process.on('message', async (m: { id: number; op: 'enqueue'; posts: string[] } | { id: number; op: 'close' }) => {
  try {
    if (m.op === 'enqueue') {
      const handles = await Promise.all(m.posts.map((post) => h.jobs.enqueue('content-generation', { post })));
      await Promise.all(handles.map((x) => x.result));
      process.send!({ id: m.id, ok: true, value: { ran: [...ran], deduplicated: handles.filter((x) => x.deduplicated).length, errors: h.errors.map((e) => e.message) } });
    } else {
      await h.jobs.close();
      await storage.close();
      process.send!({ id: m.id, ok: true, value: true });
      process.disconnect();
    }
  } catch (error) {
    process.send!({ id: m.id, ok: false, error: String(error) });
  }
});
process.send!({ ready: true });
