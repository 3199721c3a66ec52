import { readdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

// Everything the main entry and pulsewatch/testing will export from src/notifiers (email.ts is Node only).
const EDGE_MODULES = [
  'src/monitor.ts',
  'src/notifiers/dispatcher.ts',
  'src/notifiers/webhook.ts',
  'src/notifiers/slack.ts',
  'src/notifiers/alertmanager.ts',
  'src/notifiers/console.ts',
  'src/notifiers/signature.ts',
  'src/notifiers/redact.ts',
  'src/testing/capturing-notifier.ts',
];

describe('the notifiers are edge-safe', () => {
  it('import nothing from node: (email.ts, behind pulsewatch/node, imports nodemailer lazily)', () => {
    for (const name of readdirSync('src/notifiers')) {
      expect(readFileSync(`src/notifiers/${name}`, 'utf8'), name).not.toMatch(/from ['"]node:|require\(['"]node:|import\(['"]node:/);
    }
    expect(readFileSync('src/notifiers/email.ts', 'utf8')).not.toMatch(/^import .* from ['"]nodemailer['"]/m);
  });

  it('bundle for a platform without Node built-ins (opossum included), and sign and build payloads there', async () => {
    const result = await build({
      stdin: {
        contents: EDGE_MODULES.map((m) => `export * from './${m}';`).join('\n'),
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      platform: 'neutral',
      format: 'esm',
      write: false,
      mainFields: ['module', 'main'],
      // As tsup.config.ts does for the published build: opossum's `events` becomes eventemitter3.
      alias: { events: 'eventemitter3' },
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:|import\(["']node:/);
    type Edge = typeof import('../../src/notifiers/signature.js') &
      typeof import('../../src/notifiers/webhook.js') &
      typeof import('../../src/monitor.js') &
      typeof import('../../src/testing/capturing-notifier.js');
    const edge = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as Edge;
    const signature = await edge.signWebhookBody('0123456789abcdef', 1_767_225_600, '{}');
    expect(signature).toMatch(/^v1=[0-9a-f]{64}$/);
    await expect(edge.verifyWebhookSignature({ secret: '0123456789abcdef', body: '{}', timestamp: '1767225600', signature, now: 1_767_225_600_000 })).resolves.toBe(true);
    expect(edge.webhookNotifier({ url: 'https://example.com/hook' }).name).toBe('webhook');
    // A channel (p-queue, opossum with eventemitter3 as `events`) delivering inside the bundle.
    const capture = edge.capturingNotifier();
    const monitor = edge.createMonitor({ notifiers: [capture] });
    monitor.notifications.dispatch(
      { id: 'n:1', status: 'firing', reason: 'manual', service: 'app', createdAt: 0, alert: { labels: {}, annotations: {} } as never },
      [],
    );
    await monitor.close();
    expect(capture.sent).toHaveLength(1);
  });
});
