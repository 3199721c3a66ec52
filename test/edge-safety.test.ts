import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEdgeBundle } from './helpers/edge-bundle.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Everything the main entry exports lives here (src/system and email.ts are behind pulsewatch/node). */
const EDGE_DIRS = ['src/core', 'src/metrics', 'src/storage', 'src/alerts', 'src/health', 'src/notifiers', 'src/resilience'];

type Edge = typeof import('../src/index.js') & Pick<typeof import('../src/testing.js'), 'capturingNotifier'>;

/** The main entry (and the capturing notifier) bundled for a platform without Node built-ins, and loaded. */
async function loadMainBundle(): Promise<{ code: string; edge: Edge }> {
  const { code, module } = await loadEdgeBundle<Edge>("export * from './src/index.ts'; export { capturingNotifier } from './src/testing.ts';");
  return { code, edge: module };
}

describe('the main entry is edge-safe', () => {
  it('has no node: import in the code it exports', () => {
    // The Redis and PostgreSQL adapters are behind pulsewatch/redis and pulsewatch/postgres.
    for (const file of EDGE_DIRS.flatMap(files).filter((f) => !/src\/storage\/(redis|postgres)/.test(f))) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/from ['"]node:|require\(['"]node:|import\(['"]node:/);
    }
    // email.ts is exported from pulsewatch/node only, and loads nodemailer lazily even there.
    expect(readFileSync('src/notifiers/email.ts', 'utf8')).not.toMatch(/^import .* from ['"]nodemailer['"]/m);
  });

  it('imports neither opossum nor Node\'s `events` (breakers are our own state machine; events go through eventemitter3)', () => {
    const sources = readdirSync('src', { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const offending = sources.filter((f) => /from ['"](?:opossum|events|node:events)['"]/.test(readFileSync(`src/${f}`, 'utf8')));
    expect(sources.length).toBeGreaterThan(50);
    expect(offending).toEqual([]);
  });

  it('bundles for a platform without Node built-ins, and metrics, alerts, health, breakers and notifiers run there', async () => {
    const { code, edge } = await loadMainBundle();
    expect(code).not.toMatch(/from\s*["']node:|import\(["']node:/);
    const capture = edge.capturingNotifier();
    const monitor = edge.createMonitor({ notifiers: [capture] });

    const h = monitor.histogram({ name: 'edge_seconds', unit: 'seconds' });
    for (let i = 0; i < 500; i++) h.observe(i / 1000);
    await monitor.flush();
    const rollups = await monitor.storage.queryRollups({ name: 'edge_seconds' });
    expect(rollups[0]?.count).toBe(500);
    expect(rollups[0]?.hdr).toBeTypeOf('string');

    const breaker = monitor.circuitBreaker('edge', async (x: number) => x * 2);
    expect(await breaker.fire(21)).toBe(42);
    monitor.health.register('breakers', edge.checks.breakers(monitor));
    expect((await monitor.health.check()).status).toBe('healthy');
    expect(edge.healthHttpStatus('unhealthy')).toBe(503);

    const signature = await edge.signWebhookBody('0123456789abcdef', 1_767_225_600, '{}');
    await expect(edge.verifyWebhookSignature({ secret: '0123456789abcdef', body: '{}', timestamp: '1767225600', signature, now: 1_767_225_600_000 })).resolves.toBe(true);

    // A rule firing, delivered through a channel (p-queue, opossum with eventemitter3 as `events`).
    await monitor.alerts.createRule({ name: 'Slow', metric: 'edge_seconds', aggregation: 'max', condition: 'gt', threshold: 0.1 });
    await monitor.alerts.evaluate();
    await monitor.close();
    expect(capture.sent.map((n) => [n.status, n.alert.ruleName])).toEqual([['firing', 'Slow']]);
  });
});
