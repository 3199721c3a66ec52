/**
 * instrumentBullMQ's cost (issue 17): BullMQ job throughput with pulsewatch's job metrics on,
 * against the same BullMQ without them, in one process on the real Redis.
 *
 * Method (fixed before the first run):
 * - One Queue and one Worker (concurrency 20, no-op processor) per run, under a fresh key prefix;
 *   3,000 jobs added with addBulk before the worker starts (autorun: false), then `worker.run()`;
 *   the time from run() to the 3,000th `completed` event. Both variants carry that one counting
 *   listener; the instrumented one adds instrumentBullMQ on the worker and the queue (its queue
 *   read every 15 s, so at most once per run).
 * - 7 rounds, each running both variants, the order alternating per round; median jobs/s of each.
 * - Target: instrumented >= 95 % of plain (issue 17: within 5 %).
 */
import { randomUUID } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { instrumentBullMQ } from '../src/bullmq.js';
import { createMonitor } from '../src/index.js';
import type { Section, Target } from './report.js';

const JOBS = 3_000;
const ROUNDS = 7;
const CONCURRENCY = 20;
const connection = { host: '127.0.0.1', port: 6379 };

async function once(instrumented: boolean): Promise<number> {
  const prefix = `pwbench-bull-${randomUUID()}`;
  const queue = new Queue('bench', { connection, prefix });
  await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'noop', data: { i }, opts: { removeOnComplete: true } })));
  const worker = new Worker('bench', async () => undefined, { connection, prefix, concurrency: CONCURRENCY, autorun: false });
  const monitor = createMonitor({ service: 'bench' });
  if (instrumented) instrumentBullMQ(monitor, { workers: [worker], queues: [queue] });
  let done = 0;
  const finished = new Promise<void>((resolve) => worker.on('completed', () => ++done === JOBS && resolve()));
  await worker.waitUntilReady();
  const start = performance.now();
  void worker.run();
  await finished;
  const seconds = (performance.now() - start) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await monitor.close();
  return JOBS / seconds;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the rounds and returns the section for docs/performance.md and the target. */
export async function bullmqBench(): Promise<{ section: Section; target: Target }> {
  const admin = new Redis(`redis://${connection.host}:${connection.port}`);
  await admin.ping();
  admin.disconnect();
  await once(false); // warm-up: connections, scripts loaded
  const plain: number[] = [];
  const instrumented: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const on of order) (on ? instrumented : plain).push(await once(on));
  }
  const ratio = median(instrumented) / median(plain);
  const rate = (xs: number[]) => `${Math.round(median(xs)).toLocaleString('en-US')} jobs/s (${xs.map((x) => Math.round(x)).join(', ')})`;
  return {
    section: {
      title: 'BullMQ with and without instrumentBullMQ',
      notes: [`${JOBS} no-op jobs, one worker at concurrency ${CONCURRENCY}, real Redis, ${ROUNDS} alternating rounds; medians.`],
      table: { headers: ['variant', 'throughput (median, runs)'], rows: [['plain BullMQ', rate(plain)], ['instrumentBullMQ', rate(instrumented)], ['ratio', `${(ratio * 100).toFixed(1)} %`]] },
    },
    target: { name: 'instrumented BullMQ throughput', measured: `${(ratio * 100).toFixed(1)} %`, threshold: '>= 95 % of plain BullMQ', pass: ratio >= 0.95 },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { section, target } = await bullmqBench();
  console.log(JSON.stringify({ section, target }, null, 1));
}
