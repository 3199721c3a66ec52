// Alert records, rules and dead letters of MemoryStorage are covered by the conformance suite
// (memory-conformance.test.ts); this file keeps what is particular to MemoryStorage.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { AlertRecord } from '../../src/storage/records.js';

const T0 = Date.UTC(2026, 0, 1);

function resolved(id: string, endsAt: number | undefined, updatedAt: number): AlertRecord {
  return {
    id,
    ruleId: 'r1',
    ruleName: 'High latency',
    fingerprint: '0123456789abcdef',
    labels: { alertname: 'High latency' },
    annotations: {},
    message: 'p95 = 2',
    severity: 'warning',
    type: 'custom',
    status: 'resolved',
    value: 2,
    threshold: 1,
    activeAt: T0 - 10,
    startsAt: T0 - 10,
    endsAt,
    channels: [],
    recipients: [],
    service: 'api',
    updatedAt,
  };
}

describe('purgeBefore', () => {
  it('ages a resolved alert by its endsAt, falling back to updatedAt', async () => {
    const s = new MemoryStorage({ now: () => T0 + 100 });
    await s.saveAlert(resolved('ended-long-ago-acknowledged-now', T0 + 1, T0 + 50));
    await s.saveAlert(resolved('no-endsAt-old', undefined, T0 + 2));
    await s.saveAlert(resolved('no-endsAt-new', undefined, T0 + 50));
    expect(await s.purgeBefore(T0 + 10)).toBe(2);
    expect((await s.queryAlerts({})).map((a) => a.id)).toEqual(['no-endsAt-new']);
  });
});
