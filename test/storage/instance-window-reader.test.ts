/**
 * The alert engine's window reader tells stored rollups apart by (series, slot start, instance):
 * another instance's rollup of a slot this monitor still holds in memory counts, this monitor's
 * own rollup of it does not (memory counts it).
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const SLOT = 30_000;

describe('alert rules over a window older than memory', () => {
  it('count another instance rollup of a slot an idle series still keeps in its ring, and not their own twice', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    // Two slots in memory: a 5 m window reaches into storage.
    const [a, b] = [createMonitor({ clock, storage, histogram: { slots: 2 } }), createMonitor({ clock, storage, histogram: { slots: 2 } })];
    for (const m of [a, b]) m.histogram({ name: 'latency_ms', help: 'Latency' }).observe(5);
    await clock.advanceAsync(SLOT);
    await Promise.all([a.flush(), b.flush()]);
    // a's series stays idle: its ring keeps the first slot, older than what memory covers.
    await clock.advanceAsync(3 * SLOT);
    const rule = (threshold: number) => ({ name: `count above ${threshold}`, metric: 'latency_ms', aggregation: 'count', window: '5m', condition: 'gt', threshold, duration: 0, severity: 'warning' }) as const;
    await a.alerts.createRule(rule(1.5));
    await a.alerts.createRule(rule(2.5));
    await a.alerts.evaluate();
    expect(a.alerts.getActiveAlerts().map((x) => x.ruleName)).toEqual(['count above 1.5']);
    await Promise.all([a.close(), b.close()]);
  });
});
