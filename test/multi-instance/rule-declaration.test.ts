/**
 * The README's start-up rule declaration run by a fleet: 3 instances (separate processes, started
 * together) x 2 restarts on one Redis (and again on one PostgreSQL) declare the same rule with
 * `ensureRule`; the store holds one rule, written by the first start only. A deploy that changes
 * the definition updates that rule in place (same id and createdAt, later updatedAt).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertRule, StoredRule } from '../../src/index.js';
import { postgresAvailable, uniqueSchema } from '../helpers/postgres-db.js';
import { redisAvailable, uniquePrefix } from '../helpers/redis-env.js';
import type { DeclarationConfig } from './rule-declaration-process.js';
import { clearSharedStore, openSharedStore } from '../helpers/shared-store.js';
import { DECLARED } from '../alerts/support.js';

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL('./rule-declaration-process.ts', import.meta.url));
const STORES = ['redis', 'postgres'] as const;
const START = Date.now();
const MINUTE = 60_000;



describe.each(STORES)('declaring a rule at start-up on %s', (store) => {
  const reachable = store === 'redis' ? redisAvailable('rule declaration on Redis') : postgresAvailable('rule declaration on PostgreSQL');
  const namespace = store === 'redis' ? uniquePrefix() : uniqueSchema('pw_rules');

  /** Starts three instance processes at once, each declaring `rule` at `now`; resolves with what each got. */
  const startThree = (now: number, rule: DeclarationConfig['rule']): Promise<AlertRule[]> =>
    Promise.all(
      [0, 1, 2].map(async () => {
        const config: DeclarationConfig = { store, namespace, now, rule };
        const { stdout } = await run(process.execPath, ['--import', 'tsx', FIXTURE, JSON.stringify(config)], { timeout: 30_000 });
        return JSON.parse(stdout.trim().split('\n').at(-1)!) as AlertRule;
      }),
    );

  const storedRules = async (): Promise<StoredRule[]> => {
    const storage = await openSharedStore(store, namespace);
    try {
      return await storage.listRules();
    } finally {
      await storage.close();
    }
  };

  afterAll(async () => {
    if (!(await reachable)) return;
    await clearSharedStore(store, namespace);
  }, 60_000);

  it('leaves one rule after 3 instances x 2 restarts, and a changed definition updates it in place', async (ctx) => {
    if (!(await reachable)) return ctx.skip();
    // First deploy: three instances start together, then all three restart a minute later.
    const first = await startThree(START, DECLARED);
    const restarted = await startThree(START + MINUTE, DECLARED);
    const afterRestarts = await storedRules();
    expect(afterRestarts).toHaveLength(1);
    // No restart wrote: a write would have moved updatedAt to the restart's clock.
    expect(afterRestarts[0]).toMatchObject({ id: DECLARED.id, threshold: 1, window: 300_000, createdAt: START, updatedAt: START });
    for (const rule of [...first, ...restarted]) expect(rule).toEqual(afterRestarts[0]);

    // Second deploy raises the threshold: the same rule, updated in place.
    const deployed = await startThree(START + 10 * MINUTE, { ...DECLARED, threshold: 2 });
    const afterDeploy = await storedRules();
    expect(afterDeploy).toHaveLength(1);
    expect(afterDeploy[0]).toMatchObject({ id: DECLARED.id, threshold: 2, createdAt: START, updatedAt: START + 10 * MINUTE });
    for (const rule of deployed) expect(rule).toEqual(afterDeploy[0]);
  }, 120_000);
});
