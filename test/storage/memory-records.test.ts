import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import { MemoryStorage } from '../../src/storage/memory.js';
import type { AlertRecord, DeadLetter, StoredRule } from '../../src/storage/records.js';

const T0 = Date.UTC(2026, 0, 1);

function alert(id: string, extra: Partial<AlertRecord> = {}): AlertRecord {
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
    status: 'firing',
    value: 2,
    threshold: 1,
    activeAt: T0,
    startsAt: T0,
    channels: [],
    recipients: [],
    service: 'api',
    updatedAt: T0,
    ...extra,
  };
}

function letter(id: string, failedAt: number, channel = 'ops'): DeadLetter {
  const notification = { id: `${id}:1`, status: 'firing' as const, reason: 'first notification' as const, alert: alert('a1'), service: 'api', createdAt: failedAt };
  return { id, channel, notification, error: 'HTTP 500', attempts: 4, failedAt };
}

describe('alert records', () => {
  it('saves, replaces by id and reads back newest first', async () => {
    const s = new MemoryStorage({ now: () => T0 });
    await s.saveAlert(alert('a', { updatedAt: T0 }));
    await s.saveAlert(alert('b', { updatedAt: T0 + 2 }));
    await s.saveAlert(alert('a', { updatedAt: T0 + 5, status: 'resolved', endsAt: T0 + 5 }));
    const all = await s.queryAlerts({});
    expect(all.map((a) => a.id)).toEqual(['a', 'b']);
    expect(all[0]).toMatchObject({ status: 'resolved', endsAt: T0 + 5 });
  });

  it('filters by status, rule, fingerprint, time and limit', async () => {
    const s = new MemoryStorage({ now: () => T0 });
    await s.saveAlert(alert('a', { updatedAt: T0 + 1 }));
    await s.saveAlert(alert('b', { updatedAt: T0 + 2, status: 'resolved', ruleId: 'r2' }));
    await s.saveAlert(alert('c', { updatedAt: T0 + 3, fingerprint: 'ffffffffffffffff' }));
    expect((await s.queryAlerts({ status: 'resolved' })).map((a) => a.id)).toEqual(['b']);
    expect((await s.queryAlerts({ ruleId: 'r1' })).map((a) => a.id)).toEqual(['c', 'a']);
    expect((await s.queryAlerts({ fingerprint: 'ffffffffffffffff' })).map((a) => a.id)).toEqual(['c']);
    expect((await s.queryAlerts({ from: T0 + 2, to: T0 + 3 })).map((a) => a.id)).toEqual(['b']);
    expect((await s.queryAlerts({ limit: 2 })).map((a) => a.id)).toEqual(['c', 'b']);
  });

  it('keeps its own copies', async () => {
    const s = new MemoryStorage({ now: () => T0 });
    const a = alert('a');
    await s.saveAlert(a);
    (a.labels as Record<string, string>).alertname = 'changed';
    const [read] = await s.queryAlerts({});
    (read!.labels as Record<string, string>).alertname = 'changed again';
    expect((await s.queryAlerts({}))[0]!.labels.alertname).toBe('High latency');
  });
});

describe('rules', () => {
  const rule = (id: string, createdAt: number): StoredRule => ({ id, name: `rule ${id}`, createdAt, updatedAt: createdAt, threshold: 1 });

  it('saves, replaces, lists oldest first and deletes', async () => {
    const s = new MemoryStorage();
    await s.saveRule(rule('b', 2));
    await s.saveRule(rule('a', 1));
    await s.saveRule({ ...rule('b', 2), threshold: 5, updatedAt: 3 });
    expect((await s.listRules()).map((r) => [r.id, r.threshold])).toEqual([
      ['a', 1],
      ['b', 5],
    ]);
    expect(await s.deleteRule('a')).toBe(true);
    expect(await s.deleteRule('a')).toBe(false);
    expect((await s.listRules()).map((r) => r.id)).toEqual(['b']);
  });
});

describe('dead letters', () => {
  it('saves, lists oldest first by channel, deletes', async () => {
    const s = new MemoryStorage();
    await s.saveDeadLetter(letter('2', T0 + 2));
    await s.saveDeadLetter(letter('1', T0 + 1));
    await s.saveDeadLetter(letter('3', T0 + 3, 'slack'));
    expect((await s.listDeadLetters()).map((d) => d.id)).toEqual(['1', '2', '3']);
    expect((await s.listDeadLetters({ channel: 'slack' })).map((d) => d.id)).toEqual(['3']);
    expect((await s.listDeadLetters({ limit: 1 })).map((d) => d.id)).toEqual(['1']);
    expect(await s.deleteDeadLetter('1')).toBe(true);
    expect(await s.deleteDeadLetter('1')).toBe(false);
  });
});

describe('job dead letters', () => {
  it('saves, lists oldest first by job, deletes, and purges with the rest', async () => {
    const s = new MemoryStorage();
    const job = (id: string, failedAt: number, name = 'content-generation') => ({ id, job: name, data: { post: id }, error: 'Timeout', attempts: 3, failedAt });
    await s.saveJobDeadLetter(job('b', T0 + 2));
    await s.saveJobDeadLetter(job('a', T0 + 1));
    await s.saveJobDeadLetter(job('c', T0 + 3, 'export-data'));
    expect((await s.listJobDeadLetters()).map((d) => d.id)).toEqual(['a', 'b', 'c']);
    expect((await s.listJobDeadLetters({ job: 'export-data' }))[0]).toMatchObject({ id: 'c', data: { post: 'c' } });
    expect(await s.deleteJobDeadLetter('a')).toBe(true);
    expect(await s.deleteJobDeadLetter('a')).toBe(false);
    expect(await s.purgeBefore(T0 + 3)).toBe(1);
    expect((await s.listJobDeadLetters()).map((d) => d.id)).toEqual(['c']);
  });
});

describe('purgeBefore', () => {
  it('removes resolved alerts and dead letters older than the timestamp, keeps firing alerts and rules', async () => {
    const s = new MemoryStorage({ now: () => T0 + 10 });
    await s.saveAlert(alert('old-resolved', { status: 'resolved', endsAt: T0 + 1, updatedAt: T0 + 1 }));
    await s.saveAlert(alert('new-resolved', { status: 'resolved', endsAt: T0 + 8, updatedAt: T0 + 8 }));
    await s.saveAlert(alert('old-firing', { updatedAt: T0 }));
    await s.saveDeadLetter(letter('old', T0 + 1));
    await s.saveDeadLetter(letter('new', T0 + 8));
    await s.saveRule({ id: 'r', name: 'r', createdAt: T0, updatedAt: T0 });
    expect(await s.purgeBefore(T0 + 5)).toBe(2);
    expect((await s.queryAlerts({})).map((a) => a.id).sort()).toEqual(['new-resolved', 'old-firing']);
    expect((await s.listDeadLetters()).map((d) => d.id)).toEqual(['new']);
    expect(await s.listRules()).toHaveLength(1);
  });
});

describe('after close()', () => {
  it('every record call rejects with a StorageError', async () => {
    const s = new MemoryStorage();
    await s.close();
    for (const call of [
      () => s.saveAlert(alert('a')),
      () => s.queryAlerts({}),
      () => s.saveRule({ id: 'r', name: 'r', createdAt: 0, updatedAt: 0 }),
      () => s.deleteRule('r'),
      () => s.listRules(),
      () => s.saveDeadLetter(letter('1', 0)),
      () => s.listDeadLetters(),
      () => s.deleteDeadLetter('1'),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(StorageError);
    }
  });
});
