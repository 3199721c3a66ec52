/**
 * A check that throws shows its error's message in the health answer, which is public by
 * default (`healthDetails: 'always'`): a URL's password in that message (fetch refusing a URL
 * with credentials, a driver quoting its connection string) is masked, the rest of the message
 * kept so it still says what failed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Monitor } from '../../src/monitor.js';
import { setup } from './helpers.js';

let monitor: Monitor | undefined;
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
});

describe('a failing check whose error quotes a URL with a password', () => {
  it('answers with the password masked', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('partner', async () => {
      await fetch('https://svc:partner-pw-123@partner.example.com/health');
    });
    t.health.register('queue', () => {
      throw new Error('connect failed', { cause: new Error('amqp://worker:amqp-pw-456@mq.internal:5672/jobs refused the connection') });
    });
    t.health.register('db', () => Promise.reject(new Error('cannot reach mongodb+srv://app:mongo-pw-789@cluster0.example.net/prod')));
    const checks = (await t.health.check()).checks;
    for (const [name, secret] of [['partner', 'partner-pw-123'], ['queue', 'amqp-pw-456'], ['db', 'mongo-pw-789']] as const) {
      expect(checks[name]?.status).toBe('unhealthy');
      expect(checks[name]?.message).not.toContain(secret);
      expect(checks[name]?.message).toContain('***');
    }
    expect(checks.db?.message).toBe('cannot reach mongodb+srv://app:***@cluster0.example.net/prod');
    const changes = t.events.filter((e) => e.scope === 'check').map((e) => e.message ?? '');
    for (const secret of ['partner-pw-123', 'amqp-pw-456', 'mongo-pw-789']) expect(changes.join('\n')).not.toContain(secret);
  });
});
