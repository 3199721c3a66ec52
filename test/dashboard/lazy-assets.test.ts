/**
 * The dashboard's assets (about 80 KB of text) are reached from the main entry only through the
 * dynamic import in dashboard-routes.ts: a bundler that splits chunks (tsup for dist/, webpack,
 * Rollup, esbuild with `splitting`) keeps them out of the entry, and Node parses them at the first
 * dashboard request only. A static import anywhere would put them back in every start-up.
 */
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the dashboard assets in the main entry', () => {
  it('are a chunk of their own, imported dynamically only', async () => {
    const result = await build({
      entryPoints: [resolve('src/index.ts')],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'neutral',
      mainFields: ['module', 'main'],
      outdir: resolve('node_modules/.cache/pulsewatch-lazy-assets'),
      write: false,
      metafile: true,
      logLevel: 'silent',
      // Only the module graph matters here: dependencies stay out.
      packages: 'external',
    });
    const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith('.js'));
    const holding = outputs.filter(([, o]) => Object.keys(o.inputs).some((i) => i.endsWith('src/dashboard/assets.generated.ts'))).map(([file]) => file);
    expect(holding).toHaveLength(1);
    const entry = outputs.find(([, o]) => o.entryPoint?.endsWith('src/index.ts'));
    expect(entry).toBeDefined();
    const [entryFile, entryOutput] = entry!;
    expect(holding[0]).not.toBe(entryFile);
    const toAssets = entryOutput.imports.filter((i) => i.path === holding[0]);
    expect(toAssets.map((i) => i.kind)).toEqual(['dynamic-import']);
    // Nothing the entry loads at start-up (its static chunks) holds them either.
    const staticChunks = entryOutput.imports.filter((i) => i.kind === 'import-statement').map((i) => i.path);
    expect(staticChunks).not.toContain(holding[0]);
  }, 30_000);
});
