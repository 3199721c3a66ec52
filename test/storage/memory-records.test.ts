// Alert records, rules and dead letters of MemoryStorage are covered by the conformance suite
// (memory-conformance.test.ts); this file keeps what is particular to MemoryStorage.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
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

describe('bounded records', () => {
  it('keeps at most maxRecords resolved alerts, dropping the oldest, and never a firing one', async () => {
    const s = new MemoryStorage({ now: () => T0, maxRecords: 3 });
    await s.saveAlert({ ...resolved('firing', undefined, T0), status: 'firing' });
    for (let i = 0; i < 10; i++) await s.saveAlert(resolved(`r${i}`, T0 + i, T0 + i));
    expect((await s.queryAlerts({})).map((a) => a.id).sort()).toEqual(['firing', 'r8', 'r9']);
  });

  it('keeps at most maxRecords dead letters of each kind, dropping the oldest', async () => {
    const s = new MemoryStorage({ now: () => T0, maxRecords: 2 });
    for (let i = 0; i < 5; i++) {
      await s.saveDeadLetter({ id: `d${i}`, channel: 'ops', notification: {} as never, error: 'x', attempts: 1, failedAt: T0 + i });
      await s.saveJobDeadLetter({ id: `j${i}`, job: 'j', payload: null, error: 'x', attempts: 1, failedAt: T0 + i } as never);
    }
    expect((await s.listDeadLetters()).map((d) => d.id)).toEqual(['d3', 'd4']);
    expect((await s.listJobDeadLetters()).map((d) => d.id)).toEqual(['j3', 'j4']);
  });

  it('lets resolved alerts go once older than retention, as rollups do', async () => {
    let now = T0;
    const s = new MemoryStorage({ now: () => now, retention: 60_000 });
    await s.saveAlert(resolved('old', T0, T0));
    await s.saveAlert({ ...resolved('firing', undefined, T0), status: 'firing' });
    now = T0 + 120_000;
    await s.tryAcquire('sweep', 1_000); // any call that sweeps
    expect((await s.queryAlerts({})).map((a) => a.id)).toEqual(['firing']);
  });
});
