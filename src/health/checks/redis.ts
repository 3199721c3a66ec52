import { ConfigError } from '../../core/errors.js';
import type { HealthCheck } from '../types.js';

/** Any Redis client with `ping()`: ioredis (`new Redis()`) and node-redis (`createClient()`) both fit. */
export interface PingClient {
  ping(): unknown;
}

/**
 * A check that sends Redis `PING` and expects `PONG`. Its time budget is the registration's
 * `timeout`: an ioredis client that is reconnecting queues the command, so the check then
 * fails by timing out rather than at once.
 *
 * @example monitor.health.register('redis', checks.redis(redis), { critical: false, groups: ['readiness'] })
 */
export function redisCheck(client: PingClient): HealthCheck {
  if (typeof (client as Partial<PingClient> | null)?.ping !== 'function') {
    throw new ConfigError('checks.redis: client must have a ping() method (an ioredis or node-redis client)');
  }
  return async () => {
    const reply: unknown = await client.ping();
    const text = typeof reply === 'string' ? reply : reply instanceof Uint8Array ? new TextDecoder().decode(reply) : String(reply);
    if (text === 'PONG') return { status: 'healthy' };
    return { status: 'unhealthy', message: `PING answered ${JSON.stringify(text)}, expected "PONG"` };
  };
}
