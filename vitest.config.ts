import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (file: string): string => fileURLToPath(new URL(`./src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Examples import 'pulsewatch' as users do; in tests that is this checkout's source (as in
    // tsconfig.json's paths), never a stale or missing dist/.
    alias: [
      { find: /^pulsewatch$/, replacement: src('index.ts') },
      { find: /^pulsewatch\/(node|testing|redis|postgres|express|next)$/, replacement: src('$1.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'] },
    testTimeout: 20_000,
    hookTimeout: 20_000,
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-report.json' },
  },
});
