/**
 * A BullMQ worker process for the instrumentBullMQ fleet test: one real Worker on the real
 * Redis, instrumented into a monitor whose store (RedisStorage) the other worker processes and
 * the test share. Usage: node --import tsx worker-process.ts <config JSON>. It says `ready` over
 * IPC, and on `close` closes the worker, writes its rollups, closes the monitor and says `closed`.
 */
import { QueueEvents, Worker } from 'bullmq';
import { createMonitor } from '../../../src/index.js';
import { instrumentBullMQ } from '../../../src/bullmq.js';
import { openSharedStore } from '../../helpers/shared-store.js';

interface Config {
  queue: string;
  bullPrefix: string;
  storePrefix: string;
  index: number;
  /** Also instrument the queue's QueueEvents stream (retry wait times across processes). */
  events?: boolean;
}
const config = JSON.parse(process.argv[2]!) as Config;
const connection = { host: '127.0.0.1', port: 6379 };

const storage = await openSharedStore('redis', config.storePrefix);
const monitor = createMonitor({ service: 'publisher', instanceId: `worker-${config.index}`, storage });
monitor.on('error', (e) => process.stderr.write(`worker ${config.index}: ${e.message}\n`));

/** Jobs fail when `fail` is 'always', or on their first attempt when it is 'first'. */
const worker = new Worker(
  config.queue,
  async (job) => {
    const data = job.data as { fail: 'never' | 'first' | 'always' };
    if (data.fail === 'always' || (data.fail === 'first' && job.attemptsMade === 0)) throw new Error(`job ${job.id} failed`);
    return job.id;
  },
  { connection, prefix: config.bullPrefix, concurrency: 3 },
);
// With the queue's event stream, a retry this process starts after another process failed it gets its wait time too.
// From the stream's start (the test's own prefix): with the default '$', events before the first blocking read were missed.
const events = config.events === true ? new QueueEvents(config.queue, { connection, prefix: config.bullPrefix, lastEventId: '0-0' }) : undefined;
if (events !== undefined) await events.waitUntilReady();
instrumentBullMQ(monitor, { workers: [worker], events: events === undefined ? [] : [events] });
await worker.waitUntilReady();
process.send!({ t: 'ready' });

process.on('message', (m: { t: string }) => {
  if (m.t !== 'close') return;
  void (async () => {
    await worker.close();
    await events?.close();
    await monitor.close();
    await storage.close();
    process.send!({ t: 'closed' }, () => process.exit(0));
  })();
});
