/**
 * Every TypeScript example of docs/instrumentation.md runs, on the real PostgreSQL and Redis,
 * and prints what the page says it prints (the ```text block right after it, when there is
 * one, or a `// <output>` comment on the line that logs). The examples import the entries as
 * users will (`pulsewatch/postgres`, ...); here those names resolve to small modules that
 * re-export this checkout's source.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { postgresAvailable } from '../../helpers/postgres-db.js';
import { redisAvailable } from '../../helpers/redis-env.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
// Under node_modules so that `pg` and `ioredis` resolve from the examples as from an app.
const WORK = join(ROOT, 'node_modules/.cache/pulsewatch-instrumentation-docs');
const SRC = join(ROOT, 'src');

const SHIMS: Record<string, string> = {
  pulsewatch: `export * from '${SRC}/index.ts'; export { cacheMetrics, CACHE_METRICS } from '${SRC}/integrations/instrument/cache.ts'; export { timedFetch, instrumentFetch, FETCH_METRICS } from '${SRC}/integrations/instrument/fetch.ts';`,
  'pulsewatch/postgres': `export * from '${SRC}/postgres.ts'; export { instrumentPg, PG_METRICS } from '${SRC}/integrations/instrument/pg.ts';`,
  'pulsewatch/redis': `export * from '${SRC}/redis.ts'; export { instrumentRedis, REDIS_METRICS } from '${SRC}/integrations/instrument/redis.ts';`,
  'pulsewatch/node': `export * from '${SRC}/node.ts'; export { serveMetrics } from '${SRC}/integrations/instrument/metrics-server.ts';`,
};

interface Example {
  line: number;
  code: string;
  /** What it must print, when the page says. */
  output: string | undefined;
}

function examples(): Example[] {
  const text = readFileSync(join(ROOT, 'docs/instrumentation.md'), 'utf8');
  const out: Example[] = [];
  const fence = /```(\w+)\n([\s\S]*?)```/g;
  const blocks = [...text.matchAll(fence)].map((m) => ({ lang: m[1]!, body: m[2]!, index: m.index!, end: m.index! + m[0].length }));
  blocks.forEach((b, i) => {
    if (b.lang !== 'ts') return;
    const next = blocks[i + 1];
    // A ```text block right after (only prose between) is the output.
    const between = next === undefined ? '' : text.slice(b.end, next.index);
    let output = next?.lang === 'text' && !between.includes('##') ? next.body : undefined;
    // Else `console.log(...); // <output>` comments, in order.
    if (output === undefined) {
      const comments = [...b.body.matchAll(/console\.log\(.*\);\s*\/\/ (.*)\n(?:\/\/ (.*)\n)?/g)].map((m) => m[2] ?? m[1]!);
      if (comments.length > 0) output = comments.map((c) => `${c}\n`).join('');
    }
    out.push({ line: text.slice(0, b.index).split('\n').length, code: b.body, output });
  });
  return out;
}

function run(example: Example): { status: number | null; stdout: string; stderr: string } {
  mkdirSync(WORK, { recursive: true });
  const names: Record<string, string> = {};
  for (const [name, source] of Object.entries(SHIMS)) {
    const file = join(WORK, `${name.replace('/', '-')}.mts`);
    writeFileSync(file, source);
    names[name] = file;
  }
  const code = example.code.replace(/from '(pulsewatch(?:\/\w+)?)'/g, (whole, name: string) => (names[name] ? `from '${names[name]}'` : whole));
  const file = join(WORK, `example-${example.line}.mts`);
  writeFileSync(file, code);
  const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, METRICS_PORT: '0' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const reachable = (await postgresAvailable('docs/instrumentation.md examples')) && (await redisAvailable('docs/instrumentation.md examples'));

describe('docs/instrumentation.md', () => {
  const all = examples();

  it('has its examples', () => {
    expect(all.length).toBeGreaterThanOrEqual(6);
  });

  // Each example runs once; the tests below read its result.
  const runs = new Map<Example, ReturnType<typeof run>>();
  const ran = (example: Example): ReturnType<typeof run> => {
    let r = runs.get(example);
    if (r === undefined) {
      r = run(example);
      runs.set(example, r);
    }
    return r;
  };

  for (const example of all) {
    it(`runs the example at line ${example.line}`, (ctx) => {
      if (!reachable) return ctx.skip();
      const r = ran(example);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }, 90_000);
  }

  for (const example of all.filter((e) => e.output !== undefined)) {
    it(`prints what the page shows after the example at line ${example.line}`, (ctx) => {
      if (!reachable) return ctx.skip();
      expect(ran(example).stdout).toBe(example.output);
    }, 90_000);
  }
});
