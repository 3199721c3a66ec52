import { build } from 'esbuild';

/**
 * Bundles `entry` (module source importing from `./src/...`) for a platform without Node
 * built-ins, as edge runtimes get it, and loads it. Fails if anything it reaches imports `node:`.
 */
export async function loadEdgeBundle<T>(entry: string): Promise<{ code: string; module: T }> {
  const result = await build({
    stdin: { contents: entry, resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    write: false,
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  return { code, module: (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as T };
}
