import { z } from 'zod';
import { positiveDurationSchema } from '../../core/duration.js';

/** What pulsewatch reads of a BullMQ `Queue`: its name and its counts by state. */
export interface BullQueueLike {
  readonly name: string;
  getJobCounts(...types: string[]): Promise<Record<string, number>>;
}

/** What pulsewatch reads of a BullMQ job in a worker's events. */
export interface BullJobLike {
  readonly queueName: string;
  readonly timestamp: number;
  readonly delay?: number | undefined;
  readonly processedOn?: number | undefined;
  readonly finishedOn?: number | undefined;
  readonly attemptsMade: number;
  readonly attemptsStarted?: number | undefined;
  readonly id?: string | undefined;
  readonly opts: { attempts?: number | undefined };
}

/** What pulsewatch listens to on a BullMQ `QueueEvents`: its queue name and its stream events. */
export interface BullQueueEventsLike {
  readonly name: string;
  on(event: 'delayed', listener: (args: { jobId: string; delay: number }, id: string) => void): unknown;
  on(event: 'waiting', listener: (args: { jobId: string; prev?: string }, id: string) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

/** What pulsewatch listens to on a BullMQ `Worker`: its name and its job events. */
export interface BullWorkerLike {
  readonly name: string;
  on(event: 'active', listener: (job: BullJobLike, prev: string) => void): unknown;
  on(event: 'completed', listener: (job: BullJobLike, result: unknown, prev: string) => void): unknown;
  on(event: 'failed', listener: (job: BullJobLike | undefined, error: Error, prev: string) => void): unknown;
  off(event: string, listener: (...args: never[]) => void): unknown;
}

const isQueue = (v: unknown): v is BullQueueLike => typeof v === 'object' && v !== null && typeof (v as BullQueueLike).name === 'string' && typeof (v as BullQueueLike).getJobCounts === 'function';
const isWorker = (v: unknown): v is BullWorkerLike =>
  typeof v === 'object' && v !== null && typeof (v as BullWorkerLike).name === 'string' && typeof (v as BullWorkerLike).on === 'function' && typeof (v as BullWorkerLike).off === 'function';

const isEvents = (v: unknown): v is BullQueueEventsLike =>
  typeof v === 'object' && v !== null && typeof (v as BullQueueEventsLike).name === 'string' && typeof (v as BullQueueEventsLike).on === 'function' && typeof (v as BullQueueEventsLike).off === 'function';

/** Options of `instrumentBullMQ`. */
export const bullmqOptionsSchema = z.object({
  /** Queues whose sizes by state feed `job_queue_size` and `job_active_workers` (a BullMQ `Queue` each). */
  queues: z.array(z.custom<BullQueueLike>(isQueue, 'must be a BullMQ Queue (name and getJobCounts())')).max(1_000).default([]),
  /** Workers whose job events feed the attempt, wait, run and outcome metrics (a BullMQ `Worker` each). */
  workers: z.array(z.custom<BullWorkerLike>(isWorker, 'must be a BullMQ Worker (name, on() and off())')).max(1_000).default([]),
  /**
   * `QueueEvents` of the workers' queues: with them, a retry started here whose previous attempt
   * failed in another process gets its wait time too (without, only retries failed here do).
   */
  events: z.array(z.custom<BullQueueEventsLike>(isEvents, 'must be a BullMQ QueueEvents (name, on() and off())')).max(1_000).default([]),
  /** How often the queue sizes are read from Redis (one getJobCounts call per queue). */
  refresh: positiveDurationSchema.default(15_000),
});

/** Options accepted by `instrumentBullMQ`. */
export type BullMQOptions = z.input<typeof bullmqOptionsSchema>;
