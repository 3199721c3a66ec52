// A "resolved" update lost while the store was down left the alert firing in the store for good
// (the soak test's store held 32 more such records every simulated day). Records whose save
// failed are saved again before the next evaluation, latest version per alert.
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import type { AlertRecord } from '../../src/storage/records.js';
import { ManualClock } from '../../src/testing.js';
import { MINUTE, T0 } from './support.js';

class DownStorage extends MemoryStorage {
  down = false;
  override async saveAlert(alert: AlertRecord): Promise<void> {
    if (this.down) throw new Error('store is down');
    return super.saveAlert(alert);
  }
}

describe('alert records saved while the store is down', () => {
  it('are saved again at the next evaluation, so a resolution is never lost', async () => {
    const clock = new ManualClock(T0);
    const storage = new DownStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage });
    const errors: Error[] = [];
    monitor.on('error', (e) => errors.push(e));
    const g = monitor.gauge({ name: 'queue_depth' });
    await monitor.alerts.createRule({ name: 'Deep', metric: 'queue_depth', aggregation: 'last', window: '1m', condition: 'greater_than', threshold: 10 });
    g.set(50);
    await clock.advanceAsync(MINUTE);
    await monitor.alerts.evaluate();
    expect((await storage.queryAlerts({})).map((a) => a.status)).toEqual(['firing']);

    storage.down = true;
    g.set(1);
    await clock.advanceAsync(MINUTE);
    await monitor.alerts.evaluate();
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(0);
    expect(errors.some((e) => /saving alert/.test(e.message))).toBe(true);
    expect((await storage.queryAlerts({})).map((a) => a.status)).toEqual(['firing']);

    storage.down = false;
    await clock.advanceAsync(MINUTE);
    await monitor.alerts.evaluate();
    expect((await storage.queryAlerts({})).map((a) => a.status)).toEqual(['resolved']);
    await monitor.close();
  });
});
