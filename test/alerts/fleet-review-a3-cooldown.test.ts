// Review of the cooldown lease (one notification per cooldown between instances): the lease is
// taken some time into a tick (after the store reads), while the repeat is judged on tick times.
import { describe, expect, it } from 'vitest';
import { MINUTE, SECOND } from './support.js';
import { fleet } from './fleet-support.js';

describe('repeats under the cooldown lease', () => {
  it('repeat after the cooldown when the first notification was claimed later into its tick than the repeat', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const acquire = f.storage.tryAcquire.bind(f.storage);
    // The tick at 0 reads for 200 ms before it claims the notification; later ticks claim at once.
    let slow = true;
    f.storage.tryAcquire = async (key: string, ttl: number) => {
      if (slow && key.includes(':notify:')) {
        slow = false;
        f.clock.advance(200);
      }
      return acquire(key, ttl);
    };
    await f.evaluate(0, a);
    expect(f.sent('firing')).toHaveLength(1);
    for (let t = 15 * SECOND; t <= 5 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a);
    expect(f.sent('firing')).toHaveLength(2);
  });
});
