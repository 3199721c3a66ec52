import type { AlertRecord } from '../storage/records.js';
import { alert, type Harness, ids, resolvedAlert, rule } from './storage-conformance-fixtures.js';

/** Cases of the alert records role: alert records and rules. */
export function registerRecordCases(h: Harness): void {
  const { describe, it, expect } = h.t;

  describe('alert records', () => {
    it('round-trips every field exactly, optional ones included', async () => {
      const t = h.now();
      const full: AlertRecord = resolvedAlert('full', t, {
        labels: { alertname: 'Disk "full"', route: 'C:\\data\nü' },
        annotations: { summary: 'disk ✓', description: 'line 1\nline 2' },
        value: 0.000_123,
        threshold: -1.5,
        acknowledgedBy: 'ana@example.com',
        acknowledgedAt: t - 10,
        recovering: false,
        channels: ['ops', 'email'],
        recipients: ['ana@example.com'],
        severity: 'critical',
      });
      const bare = alert('bare', t - 1, { value: null, threshold: null, recovering: true });
      await h.storage().saveAlert(full);
      await h.storage().saveAlert(bare);
      expect(await h.storage().queryAlerts({})).toEqual([full, bare]);
    });

    it('replaces the record with the same id', async () => {
      const t = h.now();
      await h.storage().saveAlert(alert('a', t));
      await h.storage().saveAlert(alert('b', t + 1));
      const resolved = resolvedAlert('a', t + 5, { message: 'back to normal' });
      await h.storage().saveAlert(resolved);
      const all = await h.storage().queryAlerts({});
      expect(ids(all)).toEqual(['a', 'b']);
      expect(all[0]).toEqual(resolved);
    });

    it('returns the most recently updated first, whatever the save order', async () => {
      const t = h.now();
      for (const [id, at] of [['b', 2], ['d', 4], ['a', 1], ['c', 3]] as const) await h.storage().saveAlert(alert(id, t + at));
      expect(ids(await h.storage().queryAlerts({}))).toEqual(['d', 'c', 'b', 'a']);
    });

    it('filters by status, ruleId, fingerprint and updatedAt in [from, to), alone and combined', async () => {
      const t = h.now();
      const s = h.storage();
      await s.saveAlert(alert('a', t + 1));
      await s.saveAlert(resolvedAlert('b', t + 2, { ruleId: 'rule-2' }));
      await s.saveAlert(alert('c', t + 3, { fingerprint: 'ffffffffffffffff' }));
      await s.saveAlert(resolvedAlert('d', t + 4, { fingerprint: 'ffffffffffffffff' }));
      expect(ids(await s.queryAlerts({ status: 'firing' }))).toEqual(['c', 'a']);
      expect(ids(await s.queryAlerts({ status: 'resolved' }))).toEqual(['d', 'b']);
      expect(ids(await s.queryAlerts({ ruleId: 'rule-1' }))).toEqual(['d', 'c', 'a']);
      expect(ids(await s.queryAlerts({ ruleId: 'rule-2' }))).toEqual(['b']);
      expect(ids(await s.queryAlerts({ ruleId: 'nope' }))).toEqual([]);
      expect(ids(await s.queryAlerts({ fingerprint: 'ffffffffffffffff' }))).toEqual(['d', 'c']);
      expect(ids(await s.queryAlerts({ from: t + 2 }))).toEqual(['d', 'c', 'b']); // from is inclusive
      expect(ids(await s.queryAlerts({ to: t + 3 }))).toEqual(['b', 'a']); // to is exclusive
      expect(ids(await s.queryAlerts({ from: t + 2, to: t + 4 }))).toEqual(['c', 'b']);
      expect(ids(await s.queryAlerts({ status: 'resolved', fingerprint: 'ffffffffffffffff' }))).toEqual(['d']);
      expect(ids(await s.queryAlerts({ status: 'firing', from: t + 2 }))).toEqual(['c']);
    });

    it('limits to the newest `limit` matches', async () => {
      const t = h.now();
      for (let i = 1; i <= 5; i++) await h.storage().saveAlert(i % 2 ? alert(`a${i}`, t + i) : resolvedAlert(`a${i}`, t + i));
      expect(ids(await h.storage().queryAlerts({ limit: 2 }))).toEqual(['a5', 'a4']);
      expect(ids(await h.storage().queryAlerts({ limit: 10 }))).toEqual(['a5', 'a4', 'a3', 'a2', 'a1']);
      expect(ids(await h.storage().queryAlerts({ status: 'firing', limit: 2 }))).toEqual(['a5', 'a3']);
    });

    it('keeps its own copies', async () => {
      const a = alert('a', h.now());
      await h.storage().saveAlert(a);
      (a.labels as Record<string, string>).alertname = 'changed';
      const [read] = await h.storage().queryAlerts({});
      (read!.labels as Record<string, string>).alertname = 'changed again';
      (read!.channels as string[]).push('x');
      expect(await h.storage().queryAlerts({})).toEqual([alert('a', a.updatedAt)]);
    });
  });

  describe('rules', () => {
    it('saves, replaces by id and lists oldest first, engine fields kept as they were', async () => {
      const s = h.storage();
      const t = h.now();
      const nested = rule('c', t + 3, { conditions: [{ metric: 'm', threshold: 2.5, labels: { 'a"b': 'ü\n' } }], cooldown: null, enabled: false });
      await s.saveRule(rule('b', t + 2));
      await s.saveRule(nested);
      await s.saveRule(rule('a', t + 1));
      const replaced = rule('b', t + 2, { threshold: 5, updatedAt: t + 10 });
      await s.saveRule(replaced);
      expect(await s.listRules()).toEqual([rule('a', t + 1), replaced, nested]);
    });

    it('deletes: true when the rule existed, then false', async () => {
      const s = h.storage();
      expect(await s.listRules()).toEqual([]);
      await s.saveRule(rule('a', 1));
      await s.saveRule(rule('b', 2));
      expect(await s.deleteRule('a')).toBe(true);
      expect(await s.deleteRule('a')).toBe(false);
      expect(await s.deleteRule('never')).toBe(false);
      expect(ids(await s.listRules())).toEqual(['b']);
    });

    it('keeps its own copies', async () => {
      const r = rule('a', 1);
      await h.storage().saveRule(r);
      (r.labels as Record<string, string>).route = '/changed';
      const [read] = await h.storage().listRules();
      (read!.labels as Record<string, string>).route = '/changed again';
      expect(await h.storage().listRules()).toEqual([rule('a', 1)]);
    });
  });
}
