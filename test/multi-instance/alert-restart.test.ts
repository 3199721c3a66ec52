/**
 * Alert state across real processes on the real Redis (and again on PostgreSQL): an instance
 * killed (SIGKILL) while an alert is pending and started again resumes the `for` from the stored
 * `activeAt`; the alert fires once, when the original `for` ends, and a later restart neither
 * fires nor notifies it again. Three instances started at one tick evaluate once between them.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresAvailable, uniqueSchema } from '../helpers/postgres-db.js';
import { redisAvailable, uniquePrefix } from '../helpers/redis-env.js';
import { clearSharedStore } from '../helpers/shared-store.js';
import type { AlertInstanceConfig, AlertInstanceOutput } from './alert-instance-process.js';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('./alert-instance-process.ts', import.meta.url));
const STORES = ['redis', 'postgres'] as const;
const MINUTE = 60_000;
// A multiple of the 15 s evaluation interval. The lease names cycle every 64 ticks (16 min), and
// leases in Redis expire in real time: the runs below use ticks that differ modulo 64.
const START = Math.floor(Date.now() / MINUTE) * MINUTE;
const RULE = { id: 'cpu-high', name: 'CPU high', metric: 'cpu_usage_percent', aggregation: 'last', window: '1m', condition: 'gt', threshold: 90, duration: '10m', severity: 'critical' } as const;

describe.each(STORES)('alert state across processes on %s', (store) => {
  const reachable = store === 'redis' ? redisAvailable('alert restarts on Redis') : postgresAvailable('alert restarts on PostgreSQL');
  const namespace = store === 'redis' ? uniquePrefix() : uniqueSchema('pw_alert_restart');

  const instance = async (now: number, options: Partial<AlertInstanceConfig> = {}): Promise<AlertInstanceOutput> => {
    const config: AlertInstanceConfig = { store, namespace, now, cpu: 95, rule: RULE, ...options };
    let stdout: string;
    try {
      ({ stdout } = await run(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(config)], { timeout: 30_000 }));
    } catch (error) {
      // A crash (SIGKILL) rejects; its output is on the error.
      stdout = (error as { stdout?: string }).stdout ?? '';
      if ((error as { signal?: string }).signal !== 'SIGKILL') throw error;
    }
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as AlertInstanceOutput;
  };

  afterAll(async () => {
    if (!(await reachable)) return;
    await clearSharedStore(store, namespace);
  }, 60_000);

  it('resumes `for` after a crash mid-pending, and notifies once in all', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const crashed = await instance(START, { crash: true });
    expect(crashed).toMatchObject({ evaluated: true, pending: [{ activeAt: START }], sent: [] });

    const restarted = await instance(START + 4 * MINUTE, { crash: true });
    expect(restarted).toMatchObject({ evaluated: true, triggered: 0, pending: [{ activeAt: START }], sent: [] });

    // The original `for` ends at START + 10 m: it fires there, not at START + 14 m.
    const fired = await instance(START + 10 * MINUTE, { crash: true });
    expect(fired).toMatchObject({ evaluated: true, triggered: 1, active: [{ startsAt: START + 10 * MINUTE }] });
    expect(fired.sent).toMatchObject([{ status: 'firing', reason: 'first notification' }]);

    const later = await instance(START + 12 * MINUTE);
    expect(later).toMatchObject({ evaluated: true, triggered: 0, active: [{ id: fired.active[0]!.id, startsAt: START + 10 * MINUTE }], sent: [] });
  }, 120_000);

  it('evaluates once between three instances started at one tick', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    const runs = await Promise.all([0, 1, 2].map(() => instance(START + 20 * MINUTE + 30_000, { rule: { ...RULE, id: 'cpu-high-2', name: 'CPU high 2', duration: '0s' } })));
    expect(runs.filter((r) => r.evaluated)).toHaveLength(1);
    // One first notification of the new rule. (The first test's alert is due a repeat on this
    // clock, but the store's cooldown lease runs on real time: seconds ago, it holds.)
    expect(runs.flatMap((r) => r.sent).filter((n) => n.reason === 'first notification')).toHaveLength(1);
  }, 120_000);
});
