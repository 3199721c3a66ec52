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

describe('health is edge-safe (the main entry exports it)', () => {
  it('has no node: import under src/health', () => {
    for (const file of files('src/health')) expect(readFileSync(file, 'utf8'), file).not.toMatch(/from ['"]node:|require\(['"]node:|import\(['"]node:/);
  });

  it('bundles for a platform without Node built-ins and runs a check there', async () => {
    const result = await build({
      stdin: {
        contents: "export { checks } from './src/health/checks/index.ts'; export { HealthRegistry } from './src/health/registry.ts'; export { healthHttpStatus } from './src/health/status.ts';",
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      platform: 'neutral',
      format: 'esm',
      write: false,
      mainFields: ['module', 'main'],
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*["']node:|import\(["']node:/);
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as {
      checks: typeof import('../../src/health/checks/index.js').checks;
      healthHttpStatus: typeof import('../../src/health/status.js').healthHttpStatus;
    };
    const check = mod.checks.breakers({ breakers: () => [{ name: 'x', state: 'open', critical: true }] });
    expect(await check({} as never)).toMatchObject({ status: 'unhealthy' });
    expect(mod.healthHttpStatus('unhealthy')).toBe(503);
  });
});
