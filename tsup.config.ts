import { readFile } from 'node:fs/promises';
import { defineConfig, type Options } from 'tsup';

type OnResolveArgs = { path: string; importer: string; resolveDir: string };
type PluginBuild = {
  onResolve(o: { filter: RegExp }, cb: (a: OnResolveArgs) => { path: string; namespace?: string } | undefined): void;
  onLoad(o: { filter: RegExp; namespace?: string }, cb: (a: { path: string }) => Promise<{ contents: string; loader: 'js'; resolveDir?: string }>): void;
  resolve(path: string, o: { kind: 'require-call'; resolveDir: string }): Promise<{ path: string; errors: unknown[] }>;
};

/**
 * hdr-histogram-js is CommonJS, so esbuild cannot drop what pulsewatch does not use: its root
 * module loads every histogram kind, the log reader and writer, and a 39 KB base64 WebAssembly
 * module with its loader. pulsewatch calls three functions (`build` for a JS histogram,
 * `encodeIntoCompressedBase64`, `decodeFromCompressedBase64`), so:
 * - the bare `hdr-histogram-js` import resolves to an entry exporting only those three;
 * - its `wasm` module (which the builder and the codec require for an `instanceof` test and a
 *   flag) is a stub saying WebAssembly is unavailable: pulsewatch never asks for it;
 * - its zlib probe, `eval('require("zlib")')`, becomes `process.getBuiltinModule('zlib')` (Node
 *   20.16+), still inside the library's try, so Node keeps native zlib in both builds and edge
 *   runtimes fall back to pako as before, with no `eval` and no `require` in the bundle.
 * Each patch fails the build if the library's code changed under it.
 */
export const hdrHistogramTrim = {
  name: 'hdr-histogram-trim',
  setup(build: PluginBuild) {
    const dist = /hdr-histogram-js[\\/]dist[\\/]/;
    build.onResolve({ filter: /^hdr-histogram-js$/ }, () => ({ path: 'hdr-histogram-js', namespace: 'hdr-histogram-lite' }));
    build.onLoad({ filter: /.*/, namespace: 'hdr-histogram-lite' }, async () => {
      const entry = await build.resolve('hdr-histogram-js/package.json', { kind: 'require-call', resolveDir: process.cwd() });
      if (entry.errors.length > 0) throw new Error('hdr-histogram-js is not installed');
      return {
        contents: [
          "export { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';",
          "export { encodeIntoCompressedBase64, decodeFromCompressedBase64 } from 'hdr-histogram-js/dist/encoding.js';",
        ].join('\n'),
        loader: 'js',
        resolveDir: process.cwd(),
      };
    });
    build.onResolve({ filter: /^\.\/wasm$/ }, ({ importer }) =>
      dist.test(importer) ? { path: 'wasm', namespace: 'hdr-histogram-no-wasm' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'hdr-histogram-no-wasm' }, async () => ({
      contents: [
        'exports.webAssemblyAvailable = false;',
        'exports.webAssemblyReady = () => false;',
        'exports.WasmHistogram = class WasmHistogram {};',
        "const absent = () => { throw new Error('pulsewatch bundles hdr-histogram-js without WebAssembly'); };",
        'exports.initWebAssembly = async () => absent();',
        'exports.initWebAssemblySync = absent;',
      ].join('\n'),
      loader: 'js',
    }));
    build.onLoad({ filter: /hdr-histogram-js[\\/]dist[\\/]JsHistogram\.encoding\.js$/ }, async ({ path }) => {
      const source = await readFile(path, 'utf8');
      const patched = source
        .replace(`eval('require("zlib").deflateSync')`, `globalThis.process.getBuiltinModule("zlib").deflateSync`)
        .replace(`eval('require("zlib").inflateSync')`, `globalThis.process.getBuiltinModule("zlib").inflateSync`);
      if (patched.includes('eval(') || !patched.includes('getBuiltinModule("zlib").inflateSync')) {
        throw new Error('hdr-histogram-js changed: its zlib probe was not found; review the trim in tsup.config.ts');
      }
      return { contents: patched, loader: 'js' };
    });
  },
};

const library: Options = {
  entry: {
    index: 'src/index.ts',
    node: 'src/node.ts',
    testing: 'src/testing.ts',
    redis: 'src/redis.ts',
    postgres: 'src/postgres.ts',
    express: 'src/express.ts',
    next: 'src/next.ts',
    bullmq: 'src/bullmq.ts',
  },
  format: ['esm', 'cjs'],
  // Members marked @internal (wiring between pulsewatch's own modules) stay out of the published types.
  dts: { compilerOptions: { stripInternal: true } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: true,
  treeshake: true,
  // p-queue 9 (and its p-timeout) ships ESM only; bundling it keeps the CommonJS build loadable
  // on every Node 20 (require() of ESM arrives in 20.19 only), so it is a devDependency: a
  // second copy installed beside the bundled one would never be loaded.
  // hdr-histogram-js (and its pako and base64-js) is bundled for the trim above.
  noExternal: ['p-queue', 'p-timeout', 'hdr-histogram-js', 'pako', 'base64-js'],
  esbuildPlugins: [hdrHistogramTrim],
};

/**
 * The `pulsewatch` bin, built on its own: commander and yaml serve only the command line, so they
 * are bundled into dist/cli.js (a library user does not install them, about 1 MB, for a command
 * they may never run). commander is CommonJS and requires node built-ins, which an ES module
 * bundle can only do through a `require` made with createRequire.
 */
const cli: Options = {
  entry: { cli: 'src/cli/main.ts' },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: false,
  target: 'es2022',
  splitting: false,
  treeshake: true,
  noExternal: [...(library.noExternal ?? []), 'commander', 'yaml'],
  banner: { js: "import { createRequire as __pulsewatchCreateRequire } from 'node:module'; const require = __pulsewatchCreateRequire(import.meta.url);" },
  esbuildPlugins: [hdrHistogramTrim],
};

export default defineConfig([library, cli]);
