import { defineConfig } from 'vitest/config';

// The edge tests run the built dist/ (npm test runs them after the build step), so they are
// kept out of the main vitest run (test/**/*.test.ts) by their name, *.dist-test.ts.
export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/edge/**/*.dist-test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default', 'json'],
    // Beside the main run's report, which scripts/test.mjs adds it to; node_modules/ is never committed or packed.
    outputFile: { json: 'node_modules/.cache/vitest-edge-report.json' },
  },
});
