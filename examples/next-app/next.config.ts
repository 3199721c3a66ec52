import { fileURLToPath } from 'node:url';
import type { NextConfig } from 'next';

// This example lives inside the pulsewatch repository and builds against its source, not a
// published package: tsconfig.json maps 'pulsewatch' and 'pulsewatch/next' to ../../src, and
// `next`, `react` and pulsewatch's own dependencies come from the repository root's node_modules.
// An app that installs pulsewatch from npm needs none of this: `const nextConfig = {}` will do.
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const nextConfig: NextConfig = {
  // Trace server files from the repository root, where node_modules is.
  outputFileTracingRoot: repoRoot,
  experimental: {
    // Compile TypeScript from outside this folder (../../src).
    externalDir: true,
    // pulsewatch's source imports its .ts files with .js suffixes (ESM with NodeNext
    // resolution). Webpack maps them back to .ts; Turbopack has no such option yet
    // (vercel/next.js#82945), which is why the scripts pass --webpack.
    extensionAlias: { '.js': ['.ts', '.tsx', '.js'] },
  },
};

export default nextConfig;
