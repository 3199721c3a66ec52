#!/usr/bin/env node
// Checks the published main entry, not the sources: dist/index.js must bundle for a platform
// without Node built-ins (an edge runtime) with no alias or polyfill, and run there.
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['dist/index.js'],
  bundle: true,
  platform: 'neutral',
  format: 'esm',
  write: false,
  mainFields: ['module', 'main'],
  logLevel: 'silent',
}).catch((error) => {
  console.error(`dist/index.js does not bundle for an edge runtime:\n${error.message}`);
  process.exit(1);
});
const code = result.outputFiles[0].text;
// hdr-histogram-js probes for zlib inside eval() in a try/catch and falls back to pako: allowed.
if (/from\s*["']node:|import\(["']node:|(?<!eval\(')require\(["'](?:node:)?(?:events|fs|path|crypto|os|zlib)["']\)/.test(code)) {
  console.error('dist/index.js reaches for a Node built-in');
  process.exit(1);
}
const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
const monitor = mod.createMonitor();
const breaker = monitor.circuitBreaker('edge', async (x) => x * 2);
const doubled = await breaker.fire(21);
monitor.histogram({ name: 'edge_seconds', unit: 'seconds' }).observe(0.1);
await monitor.flush();
await monitor.close();
if (doubled !== 42) {
  console.error(`a circuit breaker in the edge bundle returned ${doubled}`);
  process.exit(1);
}
console.log(`edge bundle of dist/index.js: ${(code.length / 1024).toFixed(0)} KiB, runs`);
