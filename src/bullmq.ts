/**
 * `pulsewatch/bullmq`: pulsewatch's job metrics from BullMQ queues and workers (BullMQ is an
 * optional peer dependency; this entry imports nothing of it).
 */
export { instrumentBullMQ } from './integrations/bullmq/instrument.js';
export type { BullMQInstrumentation } from './integrations/bullmq/instrument.js';
export type { BullMQOptions, BullQueueLike, BullWorkerLike, BullJobLike } from './integrations/bullmq/options.js';
