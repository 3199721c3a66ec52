#!/usr/bin/env node
// Checks the published edge-safe entries, not the sources: dist/index.js and dist/next.js must
// bundle for a platform without Node built-ins (an edge runtime) with no alias or polyfill, and
// run in a realm that has only the Web platform's globals: no `process`, `require`, `global`,
// `Buffer` or `window`, as in Next.js' edge runtime and Cloudflare Workers.
import vm from 'node:vm';
import { build } from 'esbuild';

const result = await build({
  stdin: {
    contents: "export * as core from './dist/index.js'; export * as next from './dist/next.js';",
    resolveDir: process.cwd(),
    loader: 'js',
  },
  bundle: true,
  platform: 'neutral',
  format: 'iife',
  globalName: 'pulsewatch',
  write: false,
  mainFields: ['module', 'main'],
  logLevel: 'silent',
}).catch((error) => {
  console.error(`dist/index.js or dist/next.js does not bundle for an edge runtime:\n${error.message}`);
  process.exit(1);
});
const code = result.outputFiles[0].text;
if (/from\s*["']node:|import\(["']node:|require\(["'](?:node:)?(?:events|fs|path|crypto|os|zlib)["']\)/.test(code)) {
  console.error('the edge bundle reaches for a Node built-in');
  process.exit(1);
}
// hdr-histogram-js is trimmed to its JS histograms (tsup.config.ts): no eval (its zlib probe),
// no WebAssembly module and no loader for one.
for (const [what, pattern] of [['eval', /\beval\(/], ['a WebAssembly module', /WebAssembly\.(?:Module|Instance|instantiate|compile)|generated-wasm/], ['@assemblyscript/loader', /assemblyscript/]]) {
  if (pattern.test(code)) {
    console.error(`the edge bundle holds ${what}: the hdr-histogram-js trim in tsup.config.ts no longer applies`);
    process.exit(1);
  }
}

// The Web platform globals an edge runtime provides, and nothing of Node's.
const web = {
  URL, URLSearchParams, TextEncoder, TextDecoder, Request, Response, Headers, ReadableStream,
  AbortController, AbortSignal, Event, EventTarget, crypto: globalThis.crypto, performance,
  setTimeout, clearTimeout, setInterval, clearInterval, queueMicrotask, structuredClone, atob, btoa, console,
};
const realm = vm.createContext({ ...web });
for (const name of ['process', 'require', 'global', 'Buffer', 'window']) {
  if (vm.runInContext(`typeof ${name}`, realm) !== 'undefined') throw new Error(`the edge realm leaks ${name}`);
}
vm.runInContext(code, realm, { filename: 'edge-bundle.js' });

const smoke = vm.runInContext(
  `(async () => {
    const { core, next } = pulsewatch;
    const monitor = core.createMonitor({ service: 'edge' });
    const breaker = monitor.circuitBreaker('edge', async (x) => x * 2);
    const doubled = await breaker.fire(21);
    monitor.histogram({ name: 'edge_seconds', unit: 'seconds' }).observe(0.1);
    monitor.recordMetric({ metricType: 'response_time', value: 250, unit: 'ms' });
    monitor.health.register('edge', () => true);
    const handler = core.createMonitoringHandler(monitor, { auth: 'edge-token' });
    const health = await handler(new Request('http://edge/health', { headers: { authorization: 'Bearer edge-token' } }));
    const route = next.createMonitoringRoute(monitor, { basePath: '/api/monitoring', auth: 'edge-token' });
    const post = await route.POST(new Request('http://edge/api/monitoring/metrics', {
      method: 'POST',
      headers: { authorization: 'Bearer edge-token', 'content-type': 'application/json' },
      body: JSON.stringify({ metricType: 'response_time', value: 300, unit: 'ms' }),
    }));
    const tracked = next.withPerformanceTracking(async () => new Response('ok'), { monitor, route: '/api/edge' });
    await tracked(new Request('http://edge/api/edge'));
    const metrics = await handler(new Request('http://edge/metrics?format=openmetrics', { headers: { authorization: 'Bearer edge-token' } }));
    const text = await metrics.text();
    await monitor.flush();
    await monitor.close();
    return { doubled, health: health.status, post: post.status, metrics: metrics.status, text };
  })()`,
  realm,
);
const outcome = await smoke;
const problems = [];
if (outcome.doubled !== 42) problems.push(`a circuit breaker returned ${outcome.doubled}`);
if (outcome.health !== 200) problems.push(`GET /health answered ${outcome.health}`);
if (outcome.post !== 202) problems.push(`POST /metrics answered ${outcome.post}`);
if (outcome.metrics !== 200 || !outcome.text.endsWith('# EOF\n')) problems.push(`GET /metrics answered ${outcome.metrics}`);
if (!outcome.text.includes('http_requests_total{method="GET",route="/api/edge",status="200"} 1')) problems.push('withPerformanceTracking recorded nothing');
if (!/response_time_count 2\n/.test(outcome.text)) problems.push('recordMetric values are missing from the exposition');
if (problems.length > 0) {
  console.error(`the edge bundle misbehaved in a realm without Node globals:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`edge bundle of dist/index.js + dist/next.js: ${(code.length / 1024).toFixed(0)} KiB, runs without Node globals`);
