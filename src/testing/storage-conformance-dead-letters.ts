import { deadLetter, type Harness, ids, jobLetter } from './storage-conformance-fixtures.js';

/** Cases of the dead letter roles: notification dead letters and job dead letters, each registered when declared. */
export function registerDeadLetterCases(h: Harness): void {
  const { describe, it, expect } = h.t;

  if (h.plays('deadLetters')) describe('notification dead letters', () => {
    it('saves with the notification intact, replaces by id, lists oldest first', async () => {
      const t = h.now();
      const s = h.storage();
      await s.saveDeadLetter(deadLetter('2', t + 2));
      await s.saveDeadLetter(deadLetter('3', t + 3, 'slack'));
      await s.saveDeadLetter(deadLetter('1', t + 1));
      const retried = { ...deadLetter('2', t + 2), attempts: 8, error: 'HTTP 503' };
      await s.saveDeadLetter(retried);
      expect(await s.listDeadLetters()).toEqual([deadLetter('1', t + 1), retried, deadLetter('3', t + 3, 'slack')]);
    });

    it('filters by channel and limits to the oldest `limit`', async () => {
      const t = h.now();
      const s = h.storage();
      for (let i = 1; i <= 5; i++) await s.saveDeadLetter(deadLetter(`d${i}`, t + 10 - i, i % 2 ? 'ops' : 'slack'));
      expect(ids(await s.listDeadLetters({ channel: 'ops' }))).toEqual(['d5', 'd3', 'd1']);
      expect(ids(await s.listDeadLetters({ channel: 'slack' }))).toEqual(['d4', 'd2']);
      expect(ids(await s.listDeadLetters({ channel: 'email' }))).toEqual([]);
      expect(ids(await s.listDeadLetters({ limit: 2 }))).toEqual(['d5', 'd4']);
      expect(ids(await s.listDeadLetters({ channel: 'ops', limit: 2 }))).toEqual(['d5', 'd3']);
      expect(ids(await s.listDeadLetters({}))).toHaveLength(5);
    });

    it('deletes: true when the letter existed, then false', async () => {
      const s = h.storage();
      await s.saveDeadLetter(deadLetter('1', h.now()));
      await s.saveDeadLetter(deadLetter('2', h.now() + 1));
      expect(await s.deleteDeadLetter('1')).toBe(true);
      expect(await s.deleteDeadLetter('1')).toBe(false);
      expect(ids(await s.listDeadLetters())).toEqual(['2']);
    });
  });

  if (h.plays('jobDeadLetters')) describe('job dead letters', () => {
    it('saves with data and idempotencyKey intact, replaces by id, lists oldest first', async () => {
      const t = h.now();
      const s = h.storage();
      const keyed = { ...jobLetter('b', t + 2), idempotencyKey: 'post:b', data: ['x', 1, { deep: [null, true] }] };
      await s.saveJobDeadLetter(keyed);
      await s.saveJobDeadLetter(jobLetter('c', t + 3, 'export-data'));
      await s.saveJobDeadLetter(jobLetter('a', t + 1));
      await s.saveJobDeadLetter({ ...jobLetter('scalar', t + 4), data: 'just a string' });
      const retried = { ...jobLetter('c', t + 3, 'export-data'), attempts: 6 };
      await s.saveJobDeadLetter(retried);
      expect(await s.listJobDeadLetters()).toEqual([jobLetter('a', t + 1), keyed, retried, { ...jobLetter('scalar', t + 4), data: 'just a string' }]);
    });

    it("keeps monitor.jobs' fields (status, createdAt, lastAttemptAt, retries, priority) as written, and replaces them by id", async () => {
      const s = h.storage();
      const t = h.now();
      const pending = { ...jobLetter('jobs-1', t), status: 'pending' as const, createdAt: t - 5_000, lastAttemptAt: t - 1, retries: 0, priority: 'high' as const };
      await s.saveJobDeadLetter(pending);
      expect(await s.listJobDeadLetters()).toEqual([pending]);
      const failed = { ...pending, status: 'failed' as const, lastAttemptAt: t, retries: 5 };
      await s.saveJobDeadLetter(failed);
      expect(await s.listJobDeadLetters()).toEqual([failed]);
      // A letter without them (written before they existed) reads back without them.
      await s.saveJobDeadLetter(jobLetter('jobs-0', t - 1));
      expect(await s.listJobDeadLetters()).toEqual([jobLetter('jobs-0', t - 1), failed]);
    });

    it('filters by job and limits to the oldest `limit`', async () => {
      const t = h.now();
      const s = h.storage();
      for (let i = 1; i <= 5; i++) await s.saveJobDeadLetter(jobLetter(`j${i}`, t + 10 - i, i % 2 ? 'send-email' : 'export-data'));
      expect(ids(await s.listJobDeadLetters({ job: 'send-email' }))).toEqual(['j5', 'j3', 'j1']);
      expect(ids(await s.listJobDeadLetters({ job: 'export-data' }))).toEqual(['j4', 'j2']);
      expect(ids(await s.listJobDeadLetters({ job: 'nope' }))).toEqual([]);
      expect(ids(await s.listJobDeadLetters({ limit: 3 }))).toEqual(['j5', 'j4', 'j3']);
      expect(ids(await s.listJobDeadLetters({ job: 'export-data', limit: 1 }))).toEqual(['j4']);
    });

    it('deletes: true when the letter existed, then false', async () => {
      const s = h.storage();
      await s.saveJobDeadLetter(jobLetter('a', h.now()));
      await s.saveJobDeadLetter(jobLetter('b', h.now() + 1));
      expect(await s.deleteJobDeadLetter('a')).toBe(true);
      expect(await s.deleteJobDeadLetter('a')).toBe(false);
      expect(ids(await s.listJobDeadLetters())).toEqual(['b']);
    });
  });


  if (h.plays('deadLetters', 'jobDeadLetters')) {
    describe('both kinds of dead letters', () => {
      it('keeps notification and job dead letters apart', async () => {
        const s = h.storage();
        await s.saveDeadLetter(deadLetter('same-id', h.now()));
        await s.saveJobDeadLetter(jobLetter('same-id', h.now()));
        expect(await s.deleteJobDeadLetter('same-id')).toBe(true);
        expect(ids(await s.listDeadLetters())).toEqual(['same-id']);
        expect(await s.listJobDeadLetters()).toEqual([]);
      });
    });
  }
}
