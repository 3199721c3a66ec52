// Builds a worker from test/edge/worker.js with 'pulsewatch' resolved to the built dist/index.js,
// as wrangler or Next.js would bundle it: one module holding the worker, pulsewatch and its
// dependencies, for a platform without Node built-ins and with no alias or polyfill.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../../', import.meta.url));
const distEntry = `${root}dist/index.js`;

/** One bundled script: `esm` for workerd's module workers, `iife` for edge-runtime's scripts. */
export async function bundleWorker(format: 'esm' | 'iife', entry: string): Promise<string> {
  if (!existsSync(distEntry)) throw new Error('dist/index.js is missing: run `npm run build` before the edge tests');
  const result = await build({
    entryPoints: [fileURLToPath(new URL(entry, import.meta.url))],
    bundle: true,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    format,
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    alias: { pulsewatch: distEntry },
  });
  return result.outputFiles[0]!.text;
}

/** What the worker answers at `/?value=N`: see worker.js. */
export interface WorkerAnswer {
  aggregate: { name: string; kind: string; count: number; sum: number; min: number; max: number; p50: number };
  prometheus: string;
}
