/** The options of `RedisStorage`, validated once at construction (errors name the option, never a URL's value). */
import type { Cluster, Redis } from 'ioredis';
import { z } from 'zod';
import type { StorageError } from '../../core/errors.js';
import { positiveDurationSchema } from '../../core/duration.js';
import { maskUrl } from './redis-errors.js';
import { hasHashTag } from './redis-keys.js';

const isRedisClient = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && ['pipeline', 'multi', 'eval', 'set'].every((m) => typeof (v as Record<string, unknown>)[m] === 'function');

/** Options of {@link RedisStorage}. Give exactly one of `client` and `url`. */
export const redisStorageOptionsSchema = z
  .object({
    /** An ioredis `Redis` or `Cluster` the caller owns: `close()` leaves it open. */
    client: z.custom<Redis | Cluster>(isRedisClient, 'must be an ioredis Redis or Cluster instance').optional(),
    /** A `redis://` or `rediss://` URL: the adapter creates the client, fails fast while disconnected, and quits it on `close()`. */
    url: z.string().optional(),
    /** Prefix of every key, so several apps (or monitors) can share one Redis. With a Cluster it must hold a hash tag, e.g. `'{pulsewatch}:'`. */
    keyPrefix: z.string().min(1, 'must not be empty').default('pulsewatch:'),
    /** Rollups older than this are dropped: TTL of rollup keys, and the cutoff of reads (seed 004's raw timing data: 1 h). */
    retention: positiveDurationSchema.default(3_600_000),
    /**
     * Clients the adapter creates give up on a command that got no answer for this long, so a
     * connection that stays open but goes silent fails the call (the recorder retries) instead
     * of holding it until `close()`.
     */
    commandTimeout: positiveDurationSchema.default(10_000),
    /** Source of time for retention decisions (what is too old to write or read); default `Date.now`. TTLs and leases use Redis' clock. */
    now: z.custom<() => number>((v) => typeof v === 'function', 'must be a function returning the time in ms since the epoch').optional(),
    /**
     * Called with failures that do not fail the call they happen in: a state entry that is not
     * what the adapter writes (skipped by `readState`), a name index write that failed after the
     * rollups were stored. Default: the `error` event of a monitor given this store (see
     * `attachSideFailures`), else a console warning, at most one a minute.
     */
    onError: z.custom<(error: StorageError) => void>((v) => typeof v === 'function', 'must be a function').optional(),
  })
  .superRefine((o, ctx) => {
    if (o.client !== undefined && o.url !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'give either `client` or `url`, not both' });
    } else if (o.client === undefined && o.url === undefined) {
      ctx.addIssue({ code: 'custom', path: ['client'], message: 'give `client` (an ioredis instance) or `url` (redis://...)' });
    }
    if (o.url !== undefined) {
      const problem = urlProblem(o.url);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: problem });
    }
    if (o.client !== undefined && (o.client as { isCluster?: unknown }).isCluster === true && !hasHashTag(o.keyPrefix)) {
      ctx.addIssue({
        code: 'custom',
        path: ['keyPrefix'],
        message: `with a Cluster it must contain a hash tag so one batch is one pipeline on one node, e.g. '{pulsewatch}:'; got ${JSON.stringify(o.keyPrefix)}`,
      });
    }
  });

/** Options accepted by {@link RedisStorage}. */
export type RedisStorageOptions = z.input<typeof redisStorageOptionsSchema>;

/** Why `url` cannot be used, without echoing a password; undefined when it is fine. */
function urlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a valid URL (value not shown, it may hold a password); expected redis://[user:password@]host[:port][/db]';
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    return `expected a redis:// or rediss:// URL, got ${JSON.stringify(maskUrl(`${parsed.protocol}//${parsed.host}`))}`;
  }
  if (parsed.hostname === '') return `has no host: ${JSON.stringify(maskUrl(url))}`;
  return undefined;
}
