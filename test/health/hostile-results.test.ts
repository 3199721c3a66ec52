// A check that rejects with (or resolves to) a value that throws when read, such as a revoked
// proxy, left monitor.health.check() pending forever (found by the property suite).
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe('health checks whose result or error throws when read', () => {
  it('answers unhealthy for a check rejecting with a revoked proxy, and for one resolving to one', async () => {
    const monitor = createMonitor({ clock: new ManualClock(Date.UTC(2026, 0, 1)) });
    monitor.health.register('rejects', () => Promise.reject(revoked()));
    monitor.health.register('resolves', () => Promise.resolve(revoked() as never));
    const report = await monitor.health.check();
    expect(report.status).toBe('unhealthy');
    expect(report.checks.rejects).toMatchObject({ status: 'unhealthy', message: 'the check failed with a value that throws when read' });
    expect(report.checks.resolves).toMatchObject({ status: 'unhealthy' });
    await monitor.close();
  });

  it('refuses a name that is not a string with a ConfigError, a BigInt included', () => {
    const monitor = createMonitor({ clock: new ManualClock(0) });
    expect(() => monitor.health.register(0n as never, () => true)).toThrow(/name must be a non-empty string, got a value of type bigint/);
    void monitor.close();
  });
});
