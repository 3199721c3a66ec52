import { Redis, type RedisOptions } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../../src/core/errors.js';
import { checks } from '../../../src/health/checks/index.js';
import { createMonitor, type Monitor } from '../../../src/monitor.js';
import { freePort as closedPort } from '../../helpers/ports.js';
import { redisAvailable } from '../../helpers/redis-env.js';

const skip = !(await redisAvailable('checks.redis'));

let monitor: Monitor | undefined;
const clients: Redis[] = [];
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
  for (const c of clients.splice(0)) c.disconnect();
});

function client(port: number, options: RedisOptions = {}): Redis {
  const c = new Redis(port, '127.0.0.1', { lazyConnect: true, ...options });
  c.on('error', () => {}); // connection errors surface through the check
  clients.push(c);
  return c;
}

describe.skipIf(skip)('checks.redis against the real Redis at 127.0.0.1:6379', () => {
  it('is healthy when PING answers PONG', async () => {
    monitor = createMonitor();
    monitor.health.register('redis', checks.redis(client(6379)));
    const report = await monitor.health.check();
    expect(report.checks.redis).toMatchObject({ status: 'healthy', critical: true });
    expect(report.status).toBe('healthy');
  });

  it('is unhealthy with the connection error when nothing listens on the port', async () => {
    monitor = createMonitor();
    // No retries and no offline queue: the PING fails at once instead of waiting for a reconnect.
    monitor.health.register('redis', checks.redis(client(await closedPort(), { maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false })), { critical: false });
    const report = await monitor.health.check();
    expect(report.checks.redis?.status).toBe('unhealthy');
    expect(report.checks.redis?.message).toMatch(/ECONNREFUSED|Connection is closed|enableOfflineQueue|Stream isn't writeable/);
    expect(report.status).toBe('degraded');
  });

  it('is unhealthy by timeout when a reconnecting client queues the PING', async () => {
    monitor = createMonitor();
    // ioredis' defaults: the command waits in the offline queue; the registration timeout ends it.
    monitor.health.register('redis', checks.redis(client(await closedPort())), { timeout: 200 });
    const report = await monitor.health.check();
    expect(report.checks.redis).toMatchObject({ status: 'unhealthy', message: 'timed out after 200 ms' });
  });
});

describe('checks.redis without a server', () => {
  it('rejects a client without ping()', () => {
    let error: unknown;
    try {
      checks.redis({} as never);
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
  });

  it('is unhealthy on an unexpected reply and accepts a Buffer PONG', async () => {
    expect(await checks.redis({ ping: async () => 'LOADING' })({} as never)).toEqual({ status: 'unhealthy', message: 'PING answered "LOADING", expected "PONG"' });
    expect(await checks.redis({ ping: async () => Buffer.from('PONG') })({} as never)).toEqual({ status: 'healthy' });
  });
});
