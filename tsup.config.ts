import { readFile } from 'node:fs/promises';
import { defineConfig } from 'tsup';

/**
 * hdr-histogram-js decides at load time whether WebAssembly exists with `"WebAssembly" in window`
 * whenever `process.version` is missing, so it throws `window is not defined` on edge runtimes
 * (Next.js edge, Cloudflare Workers). We bundle it and ask `globalThis` instead.
 */
const hdrHistogramOnEdge = {
  name: 'hdr-histogram-edge',
  setup(build: { onLoad(o: { filter: RegExp }, cb: (a: { path: string }) => Promise<{ contents: string; loader: 'js' }>): void }) {
    build.onLoad({ filter: /hdr-histogram-js[\\/]dist[\\/]wasm[\\/]index\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const patched = source.replace('"WebAssembly" in window', '"WebAssembly" in globalThis');
      if (patched === source) throw new Error('hdr-histogram-js changed: its WebAssembly probe was not found; review the edge patch');
      return { contents: patched, loader: 'js' };
    });
  },
};

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts', testing: 'src/testing.ts', redis: 'src/redis.ts', postgres: 'src/postgres.ts', express: 'src/express.ts', next: 'src/next.ts' },
  format: ['esm', 'cjs'],
  // Members marked @internal (wiring between pulsewatch's own modules) stay out of the published types.
  dts: { compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: true,
  treeshake: true,
  // p-queue 9 ships ESM only; bundling it keeps the CommonJS build loadable on every Node 20.
  // opossum requires Node's `events`, which edge runtimes lack: bundling it with `events` mapped
  // to eventemitter3 (API-compatible for what opossum uses) keeps the main entry edge-safe.
  // hdr-histogram-js (and its pako, base64-js and @assemblyscript/loader) is bundled for the
  // edge patch above.
  noExternal: ['p-queue', 'p-timeout', 'opossum', 'hdr-histogram-js', 'pako', 'base64-js', '@assemblyscript/loader'],
  esbuildPlugins: [hdrHistogramOnEdge],
  esbuildOptions(options) {
    options.alias = { ...options.alias, events: 'eventemitter3' };
  },
});
