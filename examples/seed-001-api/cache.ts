// Seed 001's cache service: Redis (--redis) or memory (the default, its "fallback"), with its
// TTLs, and hit/miss metrics per cache type through pulsewatch's cacheMetrics.
import type { Redis } from 'ioredis';
import type { CacheMetrics } from 'pulsewatch';

/** Seed 001's TTLs, in seconds. */
export const TTL = { taxonomy: 3600, profile: 600 } as const;
/**
 * This run's Redis key prefix: SEED001_REDIS_PREFIX, else one of its own (pid and start time), so
 * two runs at once never share or clear each other's keys. main.ts removes the keys at the end.
 */
export function redisPrefix(env: NodeJS.ProcessEnv = process.env): string {
  return env['SEED001_REDIS_PREFIX'] ?? `f2:seed001:${process.pid}-${Date.now().toString(36)}:`;
}

/** A key-value cache with expiry; both implementations answer the same. */
export interface Cache {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
}

/** The memory cache (no Redis): a Map with expiry times. */
export function memoryCache(): Cache {
  const entries = new Map<string, { value: string; expires: number }>();
  return {
    kind: 'memory',
    get: async (key) => {
      const entry = entries.get(key);
      if (entry === undefined || entry.expires <= Date.now()) return null;
      return entry.value;
    },
    set: async (key, value, ttl) => {
      entries.set(key, { value, expires: Date.now() + ttl * 1000 });
    },
  };
}

/** The Redis cache: every key under the client's keyPrefix ({@link redisPrefix}). */
export function redisCache(redis: Redis): Cache {
  return {
    kind: 'redis',
    get: (key) => redis.get(key),
    set: async (key, value, ttl) => {
      await redis.set(key, value, 'EX', ttl);
    },
  };
}

/**
 * Removes the keys under `prefix` (the client's keyPrefix): at start, so a run with a fixed
 * SEED001_REDIS_PREFIX starts cold (misses first), and at the end, so a run leaves none.
 */
export async function clearOwnKeys(redis: Redis, prefix: string): Promise<number> {
  // keyPrefix applies to commands' keys, not to SCAN's MATCH pattern: spell the prefix out
  // (glob characters in it escaped, so a prefix matches only itself).
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
  let cursor = '0';
  let removed = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) removed += await redis.del(...keys.map((k) => k.slice(prefix.length)));
  } while (cursor !== '0');
  return removed;
}

/** Read-through: the cached value, else `load()` stored for `ttl` seconds; counts the hit or miss. */
export async function readThrough<T>(cache: Cache, metrics: CacheMetrics, key: string, ttl: number, load: () => Promise<T>): Promise<T> {
  const cached = await cache.get(key);
  if (cached !== null) {
    metrics.hit();
    return JSON.parse(cached) as T;
  }
  metrics.miss();
  const value = await load();
  await cache.set(key, JSON.stringify(value), ttl);
  return value;
}
