/**
 * `pulsewatch/redis`: a {@link StorageAdapter} on Redis (ioredis, an optional peer dependency),
 * so every instance of a service shares rollups, alerts, rules, dead letters and leases.
 *
 * @example
 * ```ts
 * import { createMonitor } from 'pulsewatch';
 * import { RedisStorage } from 'pulsewatch/redis';
 *
 * const monitor = createMonitor({ storage: new RedisStorage({ url: process.env.REDIS_URL! }) });
 * ```
 * @module
 */
export { RedisStorage } from './storage/redis/redis-storage.js';
export { instrumentRedis, REDIS_METRICS, REDIS_BUCKETS } from './integrations/instrument/redis.js';
export type { InstrumentRedisOptions, RedisCommandClient } from './integrations/instrument/redis.js';
export type { Uninstrument } from './integrations/instrument/shared.js';
export type { RedisStorageOptions } from './storage/redis/redis-storage.js';
export type { StorageAdapter, Rollup, RollupQuery, CallOptions } from './storage/contract.js';
