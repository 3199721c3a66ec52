import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', node: 'src/node.ts', testing: 'src/testing.ts', redis: 'src/redis.ts', postgres: 'src/postgres.ts', express: 'src/express.ts', next: 'src/next.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  splitting: true,
  treeshake: true,
  // p-queue 9 ships ESM only; bundling it keeps the CommonJS build loadable on every Node 20.
  // opossum requires Node's `events`, which edge runtimes lack: bundling it with `events` mapped
  // to eventemitter3 (API-compatible for what opossum uses) keeps the main entry edge-safe.
  noExternal: ['p-queue', 'p-timeout', 'opossum'],
  esbuildOptions(options) {
    options.alias = { ...options.alias, events: 'eventemitter3' };
  },
});
