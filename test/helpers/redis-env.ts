import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/** The shared test Redis. */
export const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * True when the test Redis answers PING. When it does not, suites skip with a loud message,
 * except on CI (`CI=true`), where a missing Redis must fail the run instead of hiding it.
 */
export async function redisAvailable(suite: string): Promise<boolean> {
  // Three tries of 5 s: on a loaded machine one 2 s connect can time out while Redis is up.
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const probe = new Redis(REDIS_URL, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 5_000 });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      return true;
    } catch (error) {
      last = error;
    } finally {
      probe.disconnect();
    }
  }
  if (process.env.CI === 'true') throw new Error(`${suite}: Redis at ${REDIS_URL} is unreachable on CI: ${String(last)}`);
  console.warn(`\n!!!!!!!! ${suite}: SKIPPED: no Redis at ${REDIS_URL} (${String(last)}). Start one to run these tests. !!!!!!!!\n`);
  return false;
}

/** A key prefix no other test run uses. */
export function uniquePrefix(): string {
  return `pulsewatch-test:${randomUUID()}:`;
}

/** A plain client for inspecting and cleaning up (the caller disconnects it). */
export function inspector(): Redis {
  const client = new Redis(REDIS_URL, { lazyConnect: false });
  client.on('error', () => {});
  return client;
}

/** Every key under `prefix` (SCAN, never KEYS). */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await client.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    cursor = next;
    out.push(...batch);
  } while (cursor !== '0');
  return out;
}

/** Deletes every key under `prefix`. */
export async function deleteUnder(client: Redis, prefix: string): Promise<void> {
  const keys = await keysUnder(client, prefix);
  for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
}

function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** A Redis server of one test's own (see {@link privateRedis}). */
export interface PrivateRedis {
  /** A client of it (`stop()` disconnects it). */
  readonly client: Redis;
  stop(): Promise<void>;
}

/**
 * Starts a redis-server of the test's own on a unix socket (no port, nothing on disk), for the
 * tests that change the server itself (SCRIPT FLUSH): on the shared Redis, test files running at
 * the same time load the scripts again in between, or lose theirs.
 */
export async function privateRedis(): Promise<PrivateRedis> {
  const path = join(tmpdir(), `pw-redis-${process.pid}-${randomUUID().slice(0, 8)}.sock`);
  const server = spawn('redis-server', ['--port', '0', '--unixsocket', path, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const failed = new Promise<never>((_, reject) => server.once('error', (error) => reject(new Error(`redis-server could not start: ${error.message}`))));
  // ioredis retries until the socket exists (a first attempt usually comes before the server
  // made it); a server that never comes up ends the retries.
  const client = new Redis({ path, retryStrategy: (n) => (n > 100 ? null : 50) });
  client.on('error', () => {});
  const ready = new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('end', () => reject(new Error(`redis-server on ${path} did not answer`)));
  });
  try {
    await Promise.race([ready, failed]);
  } catch (error) {
    client.disconnect();
    server.kill('SIGTERM');
    throw error;
  }
  return {
    client,
    async stop() {
      client.disconnect();
      server.kill('SIGTERM');
      await exited;
    },
  };
}
