/**
 * RedisStorage keeps its URL's password out of errors as written and as used (percent-decoded
 * through core/redact.ts, the decoding every policy shares). The host here is named like the
 * decoded password, so the DNS failure's message quotes it: nothing else would echo it (the
 * `cause`, ioredis's own error, names the host as it must).
 */
import { describe, expect, it } from 'vitest';
import { RedisStorage } from '../../src/redis.js';
import { uniquePrefix } from '../helpers/redis-env.js';

describe('RedisStorage and a percent-encoded password', () => {
  it('masks the decoded password where a connection error quotes it', async () => {
    // `%2D` is `-`: the client connects with `s3cret-h0st`, the name a DNS lookup fails on.
    const storage = new RedisStorage({ url: 'redis://bob:s3cret%2Dh0st@s3cret-h0st.invalid:6379', keyPrefix: uniquePrefix(), retention: '1d' });
    try {
      const error = (await storage.queryRollups({ name: 'x_total' }).catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/^RedisStorage: queryRollups failed: /);
      expect(error.message).toContain('***.invalid');
      expect(error.message).not.toContain('s3cret');
    } finally {
      await storage.close();
    }
  }, 20_000);
});

describe('RedisStorage and a short user name', () => {
  it('does not mask a user under 4 characters in every word of a message (`u` made `q***eryRollups`)', async () => {
    const storage = new RedisStorage({ url: 'redis://u:s3cretpw@127.0.0.1:1', keyPrefix: uniquePrefix(), retention: '1d' });
    try {
      const error = (await storage.queryRollups({ name: 'x_total' }).catch((e: unknown) => e)) as Error;
      expect(error.message).toMatch(/^RedisStorage: queryRollups failed: /);
      expect(error.message).not.toContain('s3cretpw');
    } finally {
      await storage.close();
    }
  }, 20_000);
});
