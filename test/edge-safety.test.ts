import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

describe('the main entry is edge-safe', () => {
  it('is built with the same alias this test bundles with', () => {
    expect(readFileSync('tsup.config.ts', 'utf8')).toMatch(/alias\s*[:=]\s*\{[^}]*events: 'eventemitter3'/);
  });

  it('has no node: import under src/core, src/metrics and src/storage', () => {
    for (const file of [...files('src/core'), ...files('src/metrics'), ...files('src/storage')]) {
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/from ['"]node:|require\(['"]node:/);
    }
  });

  it('bundles for a platform without Node built-ins and runs there', async () => {
    const result = await build({
      entryPoints: ['src/index.ts'],
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
    // Load the bundle and record + encode a histogram without Node's modules in reach.
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as typeof import('../src/index.js');
    const monitor = mod.createMonitor();
    const h = monitor.histogram({ name: 'edge_seconds', unit: 'seconds' });
    for (let i = 0; i < 500; i++) h.observe(i / 1000);
    await monitor.flush();
    const rollups = await monitor.storage.queryRollups({ name: 'edge_seconds' });
    expect(rollups[0]?.count).toBe(500);
    expect(rollups[0]?.hdr).toBeTypeOf('string');
    await monitor.close();
  });
});
